package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
)

// run -once beside a daemon reading the same mailbox would forward what
// the daemon forwards: it takes the mailbox's lease or refuses, naming the
// holder, and forwards nothing from that mailbox. On SQLite the daemon also
// holds the store's flock, which refuses run -once first (and lets a
// daemon expire the leases of a killed one, see queue's
// TestSQLiteDaemonTakesOverADeadDaemonsLeases); on PostgreSQL the lease is
// what refuses it.
func TestRunOnceRefusesALeasedMailbox(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		p := newPipeline(t, dsn, mailsim.Options{})
		if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation to consultation")); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if ok, err := p.store.AcquireLease(ctx, "imap:bureau/INBOX", "daemon-elsewhere", time.Minute); err != nil || !ok {
			t.Fatalf("the daemon's lease: %v, %v", ok, err)
		}
		sqlite := !strings.HasPrefix(dsn, "postgres")
		daemonLeaves := func() {}
		if sqlite {
			release, err := p.store.ClaimDaemon(ctx) // the daemon holds the store
			if err != nil {
				t.Fatal(err)
			}
			daemonLeaves = release
		}
		g, err := New(p.cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = g.RunOnce(ctx)
		var held *LeaseHeldError
		var inUse *queue.StoreInUseError
		switch {
		case sqlite && !errors.As(err, &inUse):
			t.Fatalf("run -once beside a SQLite daemon = %v, want a StoreInUseError", err)
		case !sqlite && (!errors.As(err, &held) || held.Holder != "daemon-elsewhere" || held.Mailbox != "bureau/INBOX"):
			t.Fatalf("run -once beside a daemon = %v, want a LeaseHeldError naming daemon-elsewhere", err)
		}
		if got := p.world.Received(); len(got) != 0 {
			t.Errorf("forwarded %d messages from a mailbox another instance holds, want 0", len(got))
		}
		if err := p.store.ReleaseLease(ctx, "imap:bureau/INBOX", "daemon-elsewhere"); err != nil {
			t.Fatal(err)
		}
		daemonLeaves()
		if s := p.runOnce(); s.Delivered != 2 {
			t.Errorf("run -once after the daemon left delivered %d, want 2", s.Delivered)
		}
	})
}
