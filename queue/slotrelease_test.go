package queue

import (
	"context"
	"testing"
	"time"

	"caucusgate/queue/queuetest"
)

// A PostgreSQL instance stopped gracefully (SIGTERM, or the end of run
// -once) releases its slot claims as it deregisters: another instance
// takes its slot over at once, not a whole SlotClaimTTL later (after a
// kill -9 it waits about a minute and a half, for the heartbeat to go
// stale: a clean stop must not be slower than a crash).
func TestStoppedInstanceReleasesItsSlotClaims(t *testing.T) {
	t.Parallel()
	dsn := queuetest.Postgres(t) // skips, saying so, without CAUCUSGATE_TEST_POSTGRES
	ctx := context.Background()
	a, b := openTest(t, dsn, Options{}), openTest(t, dsn, Options{})
	release, err := a.ClaimDaemon(ctx)
	if err != nil {
		t.Fatalf("ClaimDaemon: %v", err)
	}
	slot := time.Now().Truncate(time.Hour)
	for _, schedule := range []string{"@hourly", "invitations summary@daily"} {
		if ok, err := a.ClaimSlot(ctx, schedule, slot, a.InstanceID()); err != nil || !ok {
			t.Fatalf("a claims %q: %v, %v", schedule, ok, err)
		}
	}
	if ok, _ := b.ClaimSlot(ctx, "@hourly", slot, b.InstanceID()); ok {
		t.Fatal("b took a's live claim while a runs")
	}
	release()
	for _, schedule := range []string{"@hourly", "invitations summary@daily"} {
		if ok, err := b.ClaimSlot(ctx, schedule, slot, b.InstanceID()); err != nil || !ok {
			t.Errorf("after a stopped, b claims %q = %v, %v; want it at once, not after SlotClaimTTL", schedule, ok, err)
		}
	}
	if n := count(t, b, "SELECT COUNT(*) FROM instances WHERE id = ?", a.InstanceID()); n != 0 {
		t.Errorf("a stopped and is still registered (%d rows)", n)
	}
}

// Pruning forgets the claims nobody holds (expired, released) of past
// slots, and keeps a live claim whatever its slot's age: its holder may be
// sending that slot's batch, and without the row another instance would
// claim the slot and send the batch too.
func TestPruneKeepsLiveSlotClaims(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now, DBNow: clock.Now})
		ctx := context.Background()
		old := clock.Now().Truncate(time.Hour).Add(-48 * time.Hour)
		for i, holder := range []string{"expired", "released", "live"} {
			if ok, err := s.ClaimSlot(ctx, "@hourly", old.Add(time.Duration(i)*time.Hour), holder); err != nil || !ok {
				t.Fatalf("%s claims: %v, %v", holder, ok, err)
			}
			if holder == "expired" {
				clock.Add(SlotClaimTTL + time.Minute)
			}
		}
		if err := s.releaseSlotClaims(ctx, "released"); err != nil {
			t.Fatal(err)
		}
		if n, err := s.PruneSlotClaims(ctx, clock.Now()); err != nil || n != 2 {
			t.Errorf("PruneSlotClaims = %d, %v; want the expired and the released claim", n, err)
		}
		if ok, _ := s.ClaimSlot(ctx, "@hourly", old.Add(2*time.Hour), "other"); ok {
			t.Error("a live claim was pruned: another holder took its slot")
		}
		if n := count(t, s, "SELECT COUNT(*) FROM slot_claims"); n != 1 {
			t.Errorf("%d slot claims left, want the live one", n)
		}
	})
}
