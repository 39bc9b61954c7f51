package gateway

import (
	"context"
	"sync"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// TestTwoInstancesShareOnePostgresStore runs two daemons on one PostgreSQL
// store, as users who scale out do: one watches the mailbox at a time (a
// lease), and every invitation reaches every caucus once.
func TestTwoInstancesShareOnePostgresStore(t *testing.T) {
	dsn := queuetest.Postgres(t)
	p := newPipeline(t, dsn, mailsim.Options{})
	p.cfg.Accounts[0].Watch.PollInterval = 200 * time.Millisecond
	const n = 20
	for i := range n {
		if err := p.world.Append("bureau@example.org", "INBOX", invitation(i, "events@itu.int", "Invitation")); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		store, err := queue.Open(ctx, queue.Options{DSN: dsn, Retry: queue.BackoffPolicy{First: 10 * time.Millisecond, Base: 20 * time.Millisecond, Cap: 50 * time.Millisecond, Horizon: time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		cfg := p.cfg
		cfg.Store = store
		g, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := g.Run(ctx); err != nil {
				t.Errorf("instance: %v", err)
			}
		})
	}
	deadline := time.Now().Add(time.Minute)
	for len(p.world.Received()) < 2*n && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // room for a duplicate to show, were there one
	cancel()
	wg.Wait()
	assertOneCopyEach(t, p.world.Received(), n)
}
