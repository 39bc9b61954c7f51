package gateway

import (
	"context"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

// TestRunOnceReleasesItsSlotClaims: run -once on PostgreSQL relays the
// digest of an hourly slot, and leaves no live claim on that slot behind:
// the next process (a daemon, or the next run -once from cron) would
// otherwise wait SlotClaimTTL before it may send what the slot still has.
func TestRunOnceReleasesItsSlotClaims(t *testing.T) {
	t.Parallel()
	dsn := queuetest.Postgres(t) // skips, saying so, without CAUCUSGATE_TEST_POSTGRES
	p, clock := queuedReplies(t, dsn, true)
	p.cfg.Now = clock
	p.runOnce()
	if n := len(relayedTo(p, digestInviter)); n != 1 {
		t.Fatalf("run -once relayed %d messages to the inviter, want the digest", n)
	}
	ctx := context.Background()
	infos, err := p.store.Schedules(ctx)
	if err != nil || len(infos) != 1 || infos[0].LastRun.IsZero() {
		t.Fatalf("schedules after the slot: %+v, %v; want one that ran", infos, err)
	}
	if ok, err := p.store.ClaimSlot(ctx, infos[0].Spec, infos[0].LastRun, "next-process"); err != nil || !ok {
		t.Errorf("the next process claims the slot run -once ran = %v, %v; want it at once", ok, err)
	}
}

// TestHousekeepingPrunesSlotClaims: housekeeping forgets the claims of past
// slots that nobody holds, so that they do not grow without end, and keeps
// a live one, whose holder may still be sending its batch.
func TestHousekeepingPrunesSlotClaims(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	past := time.Now().Truncate(time.Hour).Add(-3 * time.Hour)
	for i, holder := range []string{"done", "sending"} {
		if ok, err := p.store.ClaimSlot(ctx, "@hourly", past.Add(time.Duration(i)*time.Hour), holder); err != nil || !ok {
			t.Fatalf("%s claims: %v, %v", holder, ok, err)
		}
	}
	if err := p.store.ReleaseClaim(ctx, "@hourly", past, "done"); err != nil {
		t.Fatal(err)
	}
	g.remindAndExpire(ctx)
	if ok, _ := p.store.ClaimSlot(ctx, "@hourly", past.Add(time.Hour), "another"); ok {
		t.Error("housekeeping pruned a live claim: another instance took its slot")
	}
	if n, err := p.store.PruneSlotClaims(ctx, time.Now()); err != nil || n != 0 {
		t.Errorf("after housekeeping, %d claims were left to prune (%v); want none", n, err)
	}
}
