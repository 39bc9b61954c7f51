package queue

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"modernc.org/sqlite"

	"caucusgate/queue/queuetest"
)

// rawFilesOnDisk lists the SQLite store's raw directory, sorted.
func rawFilesOnDisk(t testing.TB, s *Store) []string {
	t.Helper()
	entries, err := os.ReadDir(s.raw.path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// rawFilesNamed lists the files the messages' records name, sorted.
func rawFilesNamed(t testing.TB, s *Store) []string {
	t.Helper()
	return queuetest.RawFilesNamed(t, s.db)
}

// assertRawFilesAreThoseNamed checks that the raw directory holds exactly
// the files the records name, want of them: none unreferenced, none lost.
func assertRawFilesAreThoseNamed(t testing.TB, s *Store, want int) {
	t.Helper()
	onDisk, named := rawFilesOnDisk(t, s), rawFilesNamed(t, s)
	if !slices.Equal(onDisk, named) || len(named) != want {
		t.Errorf("raw files on disk %v, named by messages %v; want the same %d", onDisk, named, want)
	}
}

// openFilesTest opens a store that keeps every message's bytes in a file
// on SQLite, however small: the tests here are about those files.
func openFilesTest(t testing.TB, dsn string, opts Options) *Store {
	t.Helper()
	s := openTest(t, dsn, opts)
	if s.raw != nil {
		s.raw.fileFrom = 0
	}
	return s
}

func openSQLiteTest(t *testing.T, opts Options) (*Store, string) {
	t.Helper()
	t.Parallel()
	dsn := queuetest.SQLite(t)
	return openFilesTest(t, dsn, opts), dsn
}

// TestRawIsAFileOnSQLiteAndChunksOnPostgres: a message's bytes round-trip
// through a file of their own beside a SQLite database (0600 in a 0700
// directory, streamed from disk), and through raw_chunks on PostgreSQL,
// whose instances do not share a disk.
func TestRawIsAFileOnSQLiteAndChunksOnPostgres(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openFilesTest(t, dsn, Options{})
		begin(t, s, 7, 0)
		m := message(1, "<big@x>", strings.Repeat("0123456789abcdef", 40000), "gender")
		ref := intake(t, s, 7, m)[0].MessageRef
		r, err := s.OpenRaw(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		_, isFile := r.(*os.File)
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, m.Raw) {
			t.Fatalf("raw read back: %d bytes, %v; want the %d stored", len(got), err, len(m.Raw))
		}
		chunks := count(t, s, "SELECT COUNT(*) FROM raw_chunks")
		if s.dialect == dialectPostgres {
			if isFile || chunks != 3 {
				t.Errorf("PostgreSQL: raw read from %T, %d chunks; want raw_chunks' 3", r, chunks)
			}
			return
		}
		if !isFile || chunks != 0 {
			t.Errorf("SQLite: raw read from %T, %d chunks; want a file, no chunk", r, chunks)
		}
		if s.raw.path != dsn+".raw" {
			t.Errorf("raw directory %s, want %s.raw beside the database", s.raw.path, dsn)
		}
		assertRawFilesAreThoseNamed(t, s, 1)
		assertMode(t, s.raw.path, 0o700|os.ModeDir)
		file := filepath.Join(s.raw.path, rawFilesNamed(t, s)[0])
		assertMode(t, file, 0o600)
		if onDisk, err := os.ReadFile(file); err != nil || !bytes.Equal(onDisk, m.Raw) {
			t.Errorf("file %s holds %d bytes, %v; want the message as received", file, len(onDisk), err)
		}
	})
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s has mode %v, want %v", path, fi.Mode(), want)
	}
}

// TestRawFileIsOnDiskBeforeItsRecordCommits: while the intake
// transaction inserts a message's record, its file holds the whole message
// already, and another connection (a CLI's) sees no record naming it.
func TestRawFileIsOnDiskBeforeItsRecordCommits(t *testing.T) {
	t.Parallel()
	dsn := queuetest.SQLite(t)
	type seen struct {
		onDisk []byte
		err    error
		named  int
	}
	var mu sync.Mutex
	var probes []seen
	var other *sql.DB
	probe := "caucusgate_probe_" + strings.ToLower(rand.Text())
	err := sqlite.RegisterScalarFunction(probe, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		name, _ := args[0].(string)
		var p seen
		p.onDisk, p.err = os.ReadFile(filepath.Join(dsn+".raw", name))
		if err := other.QueryRow("SELECT COUNT(*) FROM messages WHERE raw_file = ?", name).Scan(&p.named); err != nil {
			p.err = errors.Join(p.err, err)
		}
		mu.Lock()
		probes = append(probes, p)
		mu.Unlock()
		return int64(0), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := openFilesTest(t, dsn, Options{})
	if other, err = sql.Open("sqlite", sqliteDSN(dsn)); err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := s.db.Exec(`CREATE TEMP TRIGGER probe_raw BEFORE INSERT ON main.messages
		WHEN NEW.raw_file IS NOT NULL BEGIN SELECT ` + probe + `(NEW.raw_file); END`); err != nil {
		t.Fatal(err)
	}
	begin(t, s, 7, 0)
	m := message(1, "<a@x>", strings.Repeat("invitation ", 30000), "gender")
	intake(t, s, 7, m)
	mu.Lock()
	defer mu.Unlock()
	if len(probes) != 1 || probes[0].err != nil || !bytes.Equal(probes[0].onDisk, m.Raw) || probes[0].named != 0 {
		t.Fatalf("at the record's insert: %d probes, first %d bytes on disk, named by %d committed records, %v; "+
			"want the whole message on disk and no committed record naming it",
			len(probes), len(probes[0].onDisk), probes[0].named, probes[0].err)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM messages WHERE raw_file IS NOT NULL"); n != 1 {
		t.Errorf("%d records name a file after the commit, want 1", n)
	}
	assertRawFilesAreThoseNamed(t, s, 1)
}

// TestIntakeThatFailsLeavesNoRawFile: the files of a batch whose
// transaction fails (a record the store refuses) or never starts (a
// cancelled intake) are removed.
func TestIntakeThatFailsLeavesNoRawFile(t *testing.T) {
	s, _ := openSQLiteTest(t, Options{})
	begin(t, s, 7, 0)
	batch := []Incoming{message(5, "<a@x>", "one", "gender"), message(0, "<b@x>", "UID 0 is refused", "gender")}
	if _, err := s.Intake(context.Background(), inbox, 7, batch); err == nil {
		t.Fatal("Intake with UID 0 succeeded")
	}
	if got := rawFilesOnDisk(t, s); len(got) != 0 {
		t.Errorf("raw files after a failed intake: %v, want none", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Intake(ctx, inbox, 7, batch[:1]); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Intake: %v, want context.Canceled", err)
	}
	if got := rawFilesOnDisk(t, s); len(got) != 0 {
		t.Errorf("raw files after a cancelled intake: %v, want none", got)
	}
}

// TestDuplicateKeepsNoRawFile: a message taken in again (the same UID, or
// recognised by fingerprint after a UIDVALIDITY reset) keeps no file.
func TestDuplicateKeepsNoRawFile(t *testing.T) {
	s, _ := openSQLiteTest(t, Options{})
	begin(t, s, 7, 0)
	m := message(1, "<a@x>", "one", "gender")
	intake(t, s, 7, m)
	if again := intake(t, s, 7, m); !again[0].Duplicate {
		t.Fatal("the same UID again was not a duplicate")
	}
	begin(t, s, 8, 10)
	if reset := intake(t, s, 8, m); reset[0].DuplicateOf == 0 {
		t.Fatal("the same message after a UIDVALIDITY reset was not recognised")
	}
	assertRawFilesAreThoseNamed(t, s, 1)
}

// TestDaemonSweepRemovesOrphanRawFiles: files no record names (a batch
// synced but never committed: what a kill -9 between the two leaves) are
// removed when the daemon claims the store, before its intake starts; a
// CLI's open removes nothing; referenced files, and files caucusgate does
// not name, stay.
func TestDaemonSweepRemovesOrphanRawFiles(t *testing.T) {
	s, dsn := openSQLiteTest(t, Options{})
	begin(t, s, 7, 0)
	kept := message(1, "<kept@x>", "committed", "gender")
	ref := intake(t, s, 7, kept)[0].MessageRef
	if _, err := s.stageRaw([]Incoming{message(2, "<b@x>", "never committed"), message(3, "<c@x>", "nor this")}); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(s.raw.path, "NOTES.txt")
	if err := os.WriteFile(foreign, []byte("an admin's file"), 0o600); err != nil {
		t.Fatal(err)
	}
	openFilesTest(t, dsn, Options{}) // a CLI: no claim
	if got := rawFilesOnDisk(t, s); len(got) != 4 {
		t.Fatalf("after a CLI's open: %v; want the 3 raw files and the admin's, untouched", got)
	}
	release, err := s.ClaimDaemon(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("the sweep removed a file caucusgate does not name: %v", err)
	}
	if err := os.Remove(foreign); err != nil {
		t.Fatal(err)
	}
	assertRawFilesAreThoseNamed(t, s, 1)
	if got := rawOf(t, s, ref); !bytes.Equal(got, kept.Raw) {
		t.Errorf("referenced raw after the sweep: %q", got)
	}
}

// envKillAtCommit, in a child process of TestKilledBetweenRawSyncAndCommit,
// names the store it takes a message into and is killed in.
const envKillAtCommit = "CAUCUSGATE_TEST_KILL_AT_COMMIT"

// TestKilledBetweenRawSyncAndCommit: a process killed with SIGKILL inside
// its intake transaction, after the batch's files and directory were
// synced and before the commit, leaves a file no record names. A CLI's
// open keeps it; the next daemon removes it at its claim, and the message,
// offered again, is taken in whole.
func TestKilledBetweenRawSyncAndCommit(t *testing.T) {
	if dsn := os.Getenv(envKillAtCommit); dsn != "" {
		intakeAndDieBeforeCommit(t, dsn)
		return
	}
	t.Parallel()
	dsn := queuetest.SQLite(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledBetweenRawSyncAndCommit$", "-test.count=1")
	cmd.Env = append(os.Environ(), envKillAtCommit+"="+dsn)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !exit.Sys().(syscall.WaitStatus).Signaled() ||
		exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed in its transaction: %v\n%s", err, out)
	}
	s := openFilesTest(t, dsn, Options{}) // a CLI: no claim
	if n := count(t, s, "SELECT COUNT(*) FROM messages"); n != 0 {
		t.Fatalf("%d messages recorded by a transaction killed before its commit", n)
	}
	if got := rawFilesOnDisk(t, s); len(got) != 1 {
		t.Fatalf("raw files after the kill: %v; want the one synced before it", got)
	}
	release, err := s.ClaimDaemon(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if got := rawFilesOnDisk(t, s); len(got) != 0 {
		t.Errorf("raw files after the daemon's claim: %v; want the orphan removed", got)
	}
	m := killedMessage()
	ref := intake(t, s, 7, m)[0].MessageRef
	if got := rawOf(t, s, ref); !bytes.Equal(got, m.Raw) {
		t.Errorf("the message offered again reads back as %d bytes, want %d", len(got), len(m.Raw))
	}
	assertRawFilesAreThoseNamed(t, s, 1)
}

func killedMessage() Incoming {
	return message(1, "<killed@x>", strings.Repeat("consultation ", 20000), "gender")
}

// intakeAndDieBeforeCommit is the child's part: a SQL function the
// message's insert calls (inside the transaction, after the files and
// their directory were synced) kills the process.
func intakeAndDieBeforeCommit(t *testing.T, dsn string) {
	err := sqlite.RegisterScalarFunction("caucusgate_test_kill", 0, func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`CREATE TEMP TRIGGER kill_at_insert BEFORE INSERT ON main.messages
		BEGIN SELECT caucusgate_test_kill(); END`); err != nil {
		t.Fatal(err)
	}
	begin(t, s, 7, 0)
	_, err = s.Intake(context.Background(), inbox, 7, []Incoming{killedMessage()})
	t.Fatalf("Intake returned (%v): the process was to be killed inside it", err)
}

// TestPurgeRawRemovesTheFile: retention unnames a message's file in its
// transaction and removes it after; a file left by a crash in between is
// no longer named, and the daemon's sweep removes it.
func TestPurgeRawRemovesTheFile(t *testing.T) {
	s, _ := openSQLiteTest(t, Options{})
	ctx := context.Background()
	begin(t, s, 7, 0)
	m := message(1, "<a@x>", "one", "gender")
	ref := intake(t, s, 7, m)[0].MessageRef
	name := rawFilesNamed(t, s)[0]
	if _, err := s.db.Exec("UPDATE deliveries SET state = 'sent'"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PurgeRaw(ctx, -1); err != nil || n != 1 {
		t.Fatalf("PurgeRaw = %d, %v; want 1", n, err)
	}
	if _, err := s.OpenRaw(ctx, ref); !errors.Is(err, ErrRawPurged) {
		t.Errorf("OpenRaw after purge: %v, want ErrRawPurged", err)
	}
	assertRawFilesAreThoseNamed(t, s, 0)
	// As if the process had died between the purge's commit and the removal.
	if err := os.WriteFile(filepath.Join(s.raw.path, name), m.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	release, err := s.ClaimDaemon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	assertRawFilesAreThoseNamed(t, s, 0)
}

// TestRawFromBeforeFilesStillReads: a message taken in before migration
// 014 has its bytes in raw_chunks and no file; after the migration it
// still reads, and retention purges its chunks.
func TestRawFromBeforeFilesStillReads(t *testing.T) {
	s, dsn := openSQLiteTest(t, Options{})
	ctx := context.Background()
	begin(t, s, 7, 0)
	for _, q := range []string{"DROP INDEX messages_raw_file", "ALTER TABLE messages DROP COLUMN raw_file",
		"DELETE FROM caucusgate_migration WHERE version = 14"} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old := message(1, "<old@x>", strings.Repeat("written by an older caucusgate ", 20000))
	ref := insertAsBeforeFiles(t, s, old)
	s.Close()
	s = openFilesTest(t, dsn, Options{})
	if got := rawOf(t, s, ref); !bytes.Equal(got, old.Raw) {
		t.Fatalf("a message from before the migration reads back as %d bytes, want %d", len(got), len(old.Raw))
	}
	if n, err := s.PurgeRaw(ctx, -1); err != nil || n != 1 {
		t.Fatalf("PurgeRaw = %d, %v; want 1", n, err)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM raw_chunks"); n != 0 {
		t.Errorf("%d chunks left after the purge", n)
	}
}

// insertAsBeforeFiles records m as caucusgate did before migration 014:
// its record, and its bytes in 256 KiB chunks.
func insertAsBeforeFiles(t *testing.T, s *Store, m Incoming) int64 {
	t.Helper()
	var ref int64
	err := s.db.QueryRow(sqlInsertMessage, inbox.Account, inbox.Mailbox, 7, int64(m.UID), m.MessageID,
		m.Fingerprint, "", "forward", "[]", "[]", "", "null", "", "", s.micros(s.now()), nil, len(m.Raw)).Scan(&ref)
	if err != nil {
		t.Fatal(err)
	}
	for seq, raw := 0, m.Raw; len(raw) > 0; seq++ {
		n := min(len(raw), rawChunkSize)
		if _, err := s.db.Exec(sqlWriteRawChunk, ref, seq, raw[:n]); err != nil {
			t.Fatal(err)
		}
		raw = raw[n:]
	}
	return ref
}

// syncBuffer is a log destination tests read while the store writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestMissingRawFileIsDataLossReportedLoudly: a file a record names that
// is not there (not purged) is lost data: reading it fails with
// ErrRawMissing naming the file, logged as an error; a copy of the message
// fails for good after one attempt, saying so, while a delivery of a
// message of its own still goes; the daemon's claim counts it.
func TestMissingRawFileIsDataLossReportedLoudly(t *testing.T) {
	logs := &syncBuffer{}
	outcomes := newRecorder(nil)
	s, _ := openSQLiteTest(t, Options{OnOutcome: outcomes.onOutcome,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	ctx := context.Background()
	begin(t, s, 7, 0)
	ref := intake(t, s, 7, message(1, "<lost@x>", "invitation"))[0].MessageRef
	file := filepath.Join(s.raw.path, rawFilesNamed(t, s)[0])
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	_, err := s.OpenRaw(ctx, ref)
	if !errors.Is(err, ErrRawMissing) || !strings.Contains(err.Error(), file) {
		t.Fatalf("OpenRaw of a lost file: %v; want ErrRawMissing naming %s", err, file)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), file) {
		t.Errorf("no error logged naming the lost file:\n%s", logs)
	}
	relay := &composingRelay{calls: map[int64]int{}}
	if err := s.Start(ctx, relay); err != nil {
		t.Fatal(err)
	}
	ids, err := s.AddDeliveries(ctx, ref, []NewDelivery{
		{Recipients: []string{"ana@example.net"}, Spec: json.RawMessage(`{"reminder": true}`)},
		{Caucus: "gender", Recipients: []string{"g@example.org"}, Spec: json.RawMessage(`{"copy": true}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	outcomes.waitOutcomes(t, 2)
	if own := readDelivery(t, s, ids[0]); own.State != StateSent {
		t.Errorf("delivery of its own message = %+v, want sent: it needs no original", own)
	}
	copied := readDelivery(t, s, ids[1])
	if copied.State != StateFailed || copied.Started != 1 || !strings.Contains(copied.LastError, ErrRawMissing.Error()) ||
		!strings.Contains(copied.LastError, file) {
		t.Errorf("copy of a lost original = %+v; want failed for good after one attempt, naming the file", copied)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	release, err := s.ClaimDaemon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if !strings.Contains(logs.String(), "raw files of messages are missing") {
		t.Errorf("the daemon's claim did not report the lost file:\n%s", logs)
	}
}

func TestRawNames(t *testing.T) {
	for name, want := range map[string]bool{
		newRawName():                         true,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ.eml":     true,
		"ABCDEFGHIJKLMNOPQRSTUVWXY2.eml":     true,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ":         false,
		"abcdefghijklmnopqrstuvwxyz.eml":     false,
		"ABCDEFGHIJKLMNOPQRSTUVWXY1.eml":     false,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZA.eml":    false,
		"../../../../../../etc/passwd.eml":   false,
		"ABCDEFGHIJKLM/OPQRSTUVWXYZ.eml":     false,
		"NOTES.txt":                          false,
		"":                                   false,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ.eml.tmp": false,
	} {
		if got := isRawName(name); got != want {
			t.Errorf("isRawName(%q) = %v, want %v", name, got, want)
		}
	}
}
