package gateway

import (
	"database/sql"
	"os"
	"slices"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

// TestRefusedMessageLeavesNoOrphanRawFile: a SQLite store writes a batch's
// raw files before its transaction. When the store refuses a message and
// intake commits the batch again without it (isolation, twice here: cut
// short, then bare), the files of the attempts that did not commit are
// removed: the raw directory holds exactly the files the records name.
func TestRefusedMessageLeavesNoOrphanRawFile(t *testing.T) {
	dsn := queuetest.SQLite(t)
	p := newPipeline(t, dsn, mailsim.Options{})
	refuseRecords(t, dsn, "NEW.message_id = 'inv-2@example.com'")
	for i := 1; i <= 3; i++ {
		// 40 kB: above the size from which the store gives the bytes a file.
		long := append(invitation(i, "events@itu.int", "Invitation"), strings.Repeat("Programme and annexes.\r\n", 1700)...)
		if err := p.world.Append("bureau@example.org", "INBOX", long); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.runOnceErr(); err != nil {
		t.Fatalf("run once: %v", err)
	}
	named := namedRawFiles(t, dsn)
	entries, err := os.ReadDir(dsn + ".raw")
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []string
	for _, e := range entries {
		onDisk = append(onDisk, e.Name())
	}
	if len(named) != 3 || !slices.Equal(onDisk, named) {
		t.Errorf("raw files on disk %v, named by the records %v; want the same 3", onDisk, named)
	}
}

func namedRawFiles(t *testing.T, dsn string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return queuetest.RawFilesNamed(t, db)
}
