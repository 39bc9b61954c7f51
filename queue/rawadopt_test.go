//go:build linux

package queue

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// spoolFile makes what the IMAP fetch makes of a large literal in the
// store's SpoolDir: a file with no name (O_TMPFILE) holding raw.
func spoolFile(t *testing.T, s *Store, raw []byte) *os.File {
	t.Helper()
	f, err := os.OpenFile(s.SpoolDir(), os.O_RDWR|unix.O_TMPFILE, 0o600)
	if err != nil {
		t.Skipf("no O_TMPFILE here: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.Write(raw); err != nil {
		t.Fatal(err)
	}
	return f
}

func bigMessage(uid uint32, id string) Incoming {
	m := message(uid, id, "", "gender")
	m.Raw = append(m.Raw, strings.Repeat("spooled literal line\r\n", 3000)...)
	return m
}

// TestSpooledFileBecomesTheRawFile: on SQLite, a message whose bytes are
// in a spool file of the store's SpoolDir (Incoming.RawFile) gets that
// very file as its raw file, linked rather than written again; the file
// stays the caller's, open and unchanged.
func TestSpooledFileBecomesTheRawFile(t *testing.T) {
	s, _ := openSQLiteTest(t, Options{})
	begin(t, s, 7, 0)
	m := bigMessage(1, "<spooled@x>")
	m.RawFile = spoolFile(t, s, m.Raw)
	intake(t, s, 7, m)
	assertRawFilesAreThoseNamed(t, s, 1)
	path := filepath.Join(s.raw.path, rawFilesNamed(t, s)[0])
	linked, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	spooled, err := m.RawFile.Stat()
	if err != nil {
		t.Fatalf("the spool file after intake: %v (the store must not close it)", err)
	}
	if !os.SameFile(linked, spooled) {
		t.Error("the raw file is a copy, want the spool file linked")
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, m.Raw) {
		t.Errorf("raw file: %d bytes, %v; want the message's %d", len(got), err, len(m.Raw))
	}
}

// TestSpoolFileThatCannotBeLinkedIsCopied: a RawFile that cannot be given
// a name (here a file that had one and lost it: Linux links only unnamed
// files made by O_TMPFILE) does not fail intake: the bytes are written to
// a file of their own.
func TestSpoolFileThatCannotBeLinkedIsCopied(t *testing.T) {
	s, _ := openSQLiteTest(t, Options{})
	begin(t, s, 7, 0)
	m := bigMessage(1, "<removed@x>")
	f, err := os.CreateTemp(s.SpoolDir(), "caucusgate-literal-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(m.Raw); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(f.Name()); err != nil {
		t.Fatal(err)
	}
	m.RawFile = f
	intake(t, s, 7, m)
	assertRawFilesAreThoseNamed(t, s, 1)
	path := filepath.Join(s.raw.path, rawFilesNamed(t, s)[0])
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, m.Raw) {
		t.Errorf("raw file: %d bytes, %v; want the message's %d", len(got), err, len(m.Raw))
	}
}

// TestLinkedSpoolFileSyncsTheDirectory: a link is a new name in the raw
// directory like a written file's, and must be as durable before the
// transaction naming it commits: a batch whose only file is a linked
// spool file syncs the directory. (The sync was skipped when no file was
// written.)
func TestLinkedSpoolFileSyncsTheDirectory(t *testing.T) {
	s, _ := openSQLiteTest(t, Options{})
	begin(t, s, 7, 0)
	var syncs int
	s.raw.syncDir = func(path string) error { syncs++; return syncDir(path) }
	m := bigMessage(1, "<linked@x>")
	m.RawFile = spoolFile(t, s, m.Raw)
	intake(t, s, 7, m)
	if syncs != 1 {
		t.Errorf("raw directory synced %d times for a batch whose one file was linked, want 1", syncs)
	}
}
