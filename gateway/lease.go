package gateway

import (
	"context"
	"time"
)

// Mailbox leases: with several instances on one PostgreSQL store, one
// supervisor per mailbox runs, and another instance takes over when its
// holder dies (DESIGN.md).
const (
	leaseTTL   = 60 * time.Second
	leaseRenew = 20 * time.Second
)

// supervise runs s while this instance holds the mailbox's lease.
func (g *Gateway) supervise(ctx context.Context, s *mailboxWatch) {
	name := "imap:" + s.name
	holder := g.instance
	for ctx.Err() == nil {
		ok, err := g.cfg.Store.AcquireLease(ctx, name, holder, leaseTTL)
		if err != nil {
			g.log.Error("mailbox lease", "mailbox", s.name, "error", err)
		}
		if ok {
			g.runLeased(ctx, s, name, holder)
		}
		sleep(ctx, leaseRenew)
	}
}

// runLeased runs the supervisor until ctx ends or the lease is lost.
func (g *Gateway) runLeased(ctx context.Context, s *mailboxWatch, name, holder string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.sup.Run(ctx); err != nil && ctx.Err() == nil {
			g.log.Error("mailbox supervisor stopped", "mailbox", s.name, "error", err)
		}
	}()
	t := time.NewTicker(leaseRenew)
	defer t.Stop()
	for {
		select {
		case <-done:
			g.releaseLease(name, holder)
			return
		case <-t.C:
			if ok, err := g.cfg.Store.RenewLease(ctx, name, holder, leaseTTL); err != nil || !ok {
				g.log.Warn("mailbox lease lost; stopping its supervisor", "mailbox", s.name, "error", err)
				cancel()
			}
		}
	}
}

func (g *Gateway) releaseLease(name, holder string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.cfg.Store.ReleaseLease(ctx, name, holder); err != nil {
		g.log.Warn("release mailbox lease", "lease", name, "error", err)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
