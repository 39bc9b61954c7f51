package queue

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"caucusgate/queue/queuetest"
)

// TestRootLeavesTheStoreToItsOwner: an admin runs caucusgate as root
// (sudo) on a store the daemon's user made before raw files existed (an
// upgrade). The lock file, the raw directory and a raw file that run
// makes belong to the database's owner, not to root, and a raw directory
// an earlier run as root made its own is given back.
func TestRootLeavesTheStoreToItsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("runs as root only: it checks what a run as root leaves behind")
	}
	const nobody = 65534
	path := queuetest.SQLite(t)
	s := openTest(t, path, Options{})
	s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chown(p, nobody, nobody); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	raw := path + rawDirSuffix
	if uidOf(t, raw) != 0 {
		t.Fatalf("raw directory made by root owned by %d before the test", uidOf(t, raw))
	}

	s = openTest(t, path, Options{})
	if got := uidOf(t, raw); got != nobody {
		t.Errorf("raw directory made by an earlier run as root still belongs to uid %d, want %d", got, nobody)
	}
	release, err := s.ClaimDaemon(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if got := uidOf(t, path+".lock"); got != nobody {
		t.Errorf("lock file belongs to uid %d, want %d", got, nobody)
	}
	begin(t, s, 7, 0)
	big := message(1, "<big@x>", string(bytes.Repeat([]byte("x"), 2*defaultRawFileFrom)), "gender")
	out := intake(t, s, 7, big)
	name := rawFileName(t, s, out[0].MessageRef)
	if got := uidOf(t, filepath.Join(raw, name)); got != nobody {
		t.Errorf("raw file %s belongs to uid %d, want %d", name, got, nobody)
	}
}

func uidOf(t *testing.T, path string) uint32 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Uid
}

func rawFileName(t *testing.T, s *Store, ref int64) string {
	t.Helper()
	var name string
	if err := s.db.QueryRow(`SELECT raw_file FROM messages WHERE id = ?`, ref).Scan(&name); err != nil || name == "" {
		t.Fatalf("raw file of message %d: %q, %v", ref, name, err)
	}
	return name
}
