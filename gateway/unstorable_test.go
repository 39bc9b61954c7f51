package gateway

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
)

// longSubject is longer than the column limit refuseRecords sets.
var longSubject = "Invitation" + strings.Repeat(" to the meeting on storage", 12)

// TestUnstorableMessageIsHeldAndTheMailboxGoesOn: the store refuses one
// message of a batch with a data error that repeats on every retry. That
// message is held with the store's reason, the rest of the batch is
// forwarded, and a second run does nothing more.
//
// No message reaches such an error on main any more (queue/storable.go
// made the text columns take any header text; a header line cannot hold a
// Message-ID too long for an index), so the store under test is made to
// refuse it as a real one does, by a trigger in its database: on
// PostgreSQL SQLSTATE 22021, the error a NUL in a Subject gave before
// storable.go; on SQLite SQLITE_TOOBIG, a real "string or blob too big".
// A Subject over a limit is refused; the message is held with its text
// cut short. A Message-ID refused whatever its length is held bare.
func TestUnstorableMessageIsHeldAndTheMailboxGoesOn(t *testing.T) {
	for _, tc := range []struct {
		name, refuse, heldID string
	}{
		{"subject over a limit", "length(NEW.subject) > 300", "inv-2@example.com"},
		{"message-id refused", "NEW.message_id = 'inv-2@example.com'", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, dsn string) {
				p := newPipeline(t, dsn, mailsim.Options{})
				refuseRecords(t, dsn, tc.refuse)
				for _, m := range [][]byte{invitation(1, "events@itu.int", "Invitation"),
					invitation(2, "events@itu.int", longSubject), invitation(3, "events@itu.int", "Invitation")} {
					if err := p.world.Append("bureau@example.org", "INBOX", m); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := p.runOnceErr(); err != nil {
					t.Fatalf("run once: %v (the refused message blocked the mailbox)", err)
				}
				assertOneCopyEachOf(t, p, "inv-1@example.com", "inv-3@example.com")
				held, err := p.store.ListHeld(context.Background(), queue.HeldFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if len(held) != 1 || held[0].State != queue.HeldWaiting || held[0].MessageID != tc.heldID ||
					!strings.Contains(held[0].Reason, "could not be stored") {
					t.Fatalf("held %+v: want inv-2 held with the store's reason", held)
				}
				if _, err := p.runOnceErr(); err != nil {
					t.Fatalf("second run: %v", err)
				}
				if again, _ := p.store.ListHeld(context.Background(), queue.HeldFilter{}); len(again) != 1 {
					t.Fatalf("held after a second run: %d, want 1", len(again))
				}
				moderation := NewModeration(p.store, p.cfg.Rules, p.cfg.Accounts, nil)
				if _, err := moderation.Approve(context.Background(), held[0].ID, "alice@bureau.example.org"); err != nil {
					t.Fatalf("approve: %v", err)
				}
				if _, err := p.runOnceErr(); err != nil {
					t.Fatalf("run after the approval: %v", err)
				}
				assertOneCopyEachOf(t, p, "inv-1@example.com", "inv-2@example.com", "inv-3@example.com")
			})
		})
	}
}

// refuseRecords makes the store at dsn refuse, with a data error, every
// message record for which the SQL condition on NEW holds.
func refuseRecords(t *testing.T, dsn, condition string) {
	t.Helper()
	driver, stmts := "sqlite", []string{`CREATE TRIGGER refuse_records BEFORE INSERT ON messages
		WHEN ` + condition + ` BEGIN SELECT zeroblob(2000000000); END`}
	if strings.Contains(dsn, "://") {
		driver, stmts = "pgx", []string{`CREATE FUNCTION refuse_records() RETURNS trigger AS $$
			BEGIN
				IF ` + condition + ` THEN
					RAISE EXCEPTION 'invalid byte sequence for encoding "UTF8": 0x00' USING ERRCODE = '22021';
				END IF;
				RETURN NEW;
			END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER refuse_records BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_records()`}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// assertOneCopyEachOf checks that each Message-ID reached both caucuses of
// the test rules once, and nothing else was sent.
func assertOneCopyEachOf(t *testing.T, p *pipeline, ids ...string) {
	t.Helper()
	got := map[string]int{}
	for _, r := range p.world.Received() {
		h := readHeader(t, r.Data)
		id, _ := h.MessageID()
		got[id]++
	}
	for _, id := range ids {
		if got[id] != 2 {
			t.Errorf("%s: %d copies, want 2 (one per caucus); all: %v", id, got[id], got)
		}
	}
	if n := len(p.world.Received()); n != 2*len(ids) {
		t.Errorf("%d copies sent, want %d", n, 2*len(ids))
	}
}

func (p *pipeline) runOnceErr() (Summary, error) {
	p.t.Helper()
	g, err := New(p.cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return g.RunOnce(ctx)
}
