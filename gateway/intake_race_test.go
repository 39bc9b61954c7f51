package gateway

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// TestDuplicateKeyAtIntakeIsARaceNotABadMessage: another writer records
// UID 2 while intake's batch inserts it (PostgreSQL, READ COMMITTED: the
// look-up saw nothing, the insert meets the other's key, SQLSTATE 23505).
// That is a race: with the lease still held, the rest of the batch is
// committed and UID 2 retried alone, where it is found processed. Nothing
// is held, and the run does not fail. SQLite has one writer at a time (an
// immediate transaction, and the store's file lock), so no such race.
func TestDuplicateKeyAtIntakeIsARaceNotABadMessage(t *testing.T) {
	dsn := queuetest.Postgres(t)
	p := newPipeline(t, dsn, mailsim.Options{})
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var uidValidity int64
	if err := db.QueryRowContext(ctx, "SELECT uidvalidity FROM mailbox_epochs").Scan(&uidValidity); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 3; i++ {
		if err := p.world.Append("bureau@example.org", "INBOX", invitation(i, "events@itu.int", "Invitation")); err != nil {
			t.Fatal(err)
		}
	}
	other, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	if _, err := other.ExecContext(ctx, `INSERT INTO messages (account, mailbox, uidvalidity, uid, message_id,
		fingerprint, fallback_fingerprint, decision, caucuses, rules, reason, trace, subject, from_addr,
		received_at, raw_size) VALUES ('bureau', 'INBOX', $1, 2, 'inv-2@example.com', 'other writer', '',
		'discard', '[]', '[]', 'recorded by another writer', 'null', '', '', 0, 0)`, uidValidity); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := p.runOnceErr(); done <- err }()
	waitForLockWait(t, db)
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("run once: %v", err)
	}
	assertOneCopyEachOf(t, p, "inv-1@example.com", "inv-3@example.com")
	if held, _ := p.store.ListHeld(ctx, queue.HeldFilter{}); len(held) != 0 {
		t.Errorf("held %+v: a race is no bad message", held)
	}
}

// waitForLockWait returns once a session of the test's database waits on
// a lock: intake's insert met the other writer's uncommitted key.
func waitForLockWait(t *testing.T, db *sql.DB) {
	t.Helper()
	for {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
