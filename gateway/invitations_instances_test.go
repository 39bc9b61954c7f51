package gateway

import (
	"context"
	"sync"
	"testing"
	"time"

	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// TestRemindersOnceAcrossInstancesOnPostgres: two instances on one
// PostgreSQL store run the reminders' pass at the same moment, again and
// again; each caucus that has not answered gets its reminder once.
func TestRemindersOnceAcrossInstancesOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := queuetest.Postgres(t) // skips, saying so, without CAUCUSGATE_TEST_POSTGRES
	ctx := context.Background()
	p, c := remindedPipeline(t, dsn)
	ref, _ := forwardedWithDeadline(t, p)
	if err := p.store.SetInvitationDeadline(ctx, ref, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), "admin"); err != nil {
		t.Fatal(err)
	}
	c.t = time.Date(2027, 1, 8, 9, 0, 0, 0, time.UTC)
	second, err := queue.Open(ctx, queue.Options{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Close() })
	cfgs := []Config{p.cfg, p.cfg}
	cfgs[1].Store = second
	var wg sync.WaitGroup
	errs := make([]error, len(cfgs))
	for i, cfg := range cfgs {
		wg.Go(func() { errs[i] = passesThenDrain(ctx, cfg, 5) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	got := reminders(p)
	if len(got) != 2 {
		t.Fatalf("%d reminders sent, want one to each caucus: %v", len(got), recipientsOf(got))
	}
	rs, err := p.store.InvitationReminders(ctx, ref)
	if err != nil || len(rs) != 2 || rs[0].Deliveries != 1 || rs[1].Deliveries != 1 {
		t.Fatalf("reminders recorded %+v, %v; want two, each with one delivery", rs, err)
	}
}

// passesThenDrain runs an instance's scheduler passes, then waits until its
// deliveries are done.
func passesThenDrain(ctx context.Context, cfg Config, passes int) error {
	g, err := New(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return g.withPipeline(ctx, func(ctx context.Context, _ []*mailboxWatch, sched *scheduler) error {
		for range passes {
			if err := sched.pass(ctx); err != nil {
				return err
			}
		}
		return g.drain(ctx)
	})
}
