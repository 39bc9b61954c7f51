package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"caucusgate/queue"
)

// Mailbox leases: with several instances on one PostgreSQL store, one
// supervisor per mailbox runs, and another instance takes over when its
// holder dies (DESIGN.md). Every intake commit is fenced by the lease's
// acquisition (queue.WithLease), so a holder that lost it while paused
// cannot commit; and the holder stops itself when its own monotonic
// deadline passes without a renewal, whatever the clocks say.
const (
	leaseTTL   = 60 * time.Second
	leaseRenew = 20 * time.Second
)

// supervise runs s while this instance holds the mailbox's lease.
func (g *Gateway) supervise(ctx context.Context, s *mailboxWatch) {
	name := leaseName(s)
	for ctx.Err() == nil {
		taken := time.Now()
		l, ok, err := g.cfg.Store.TakeLease(ctx, name, g.instance, leaseTTL)
		if err != nil {
			g.log.Error("mailbox lease", "mailbox", s.name, "error", err)
		}
		if ok {
			g.runLeased(ctx, s, l, taken)
		}
		sleep(ctx, leaseRenew)
	}
}

func leaseName(s *mailboxWatch) string { return "imap:" + s.name }

// runLeased runs the supervisor until ctx ends or the lease is lost: a
// renewal refused, or none succeeded within leaseTTL of the last one
// (measured on the monotonic clock from before it was asked for).
func (g *Gateway) runLeased(ctx context.Context, s *mailboxWatch, l queue.Lease, taken time.Time) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.sup.Run(queue.WithLease(ctx, l)); err != nil && ctx.Err() == nil {
			g.log.Error("mailbox supervisor stopped", "mailbox", s.name, "error", err)
		}
	}()
	deadline := time.NewTimer(time.Until(taken.Add(leaseTTL)))
	defer deadline.Stop()
	t := time.NewTicker(leaseRenew)
	defer t.Stop()
	for {
		select {
		case <-done:
			g.releaseLease(l.Name, l.Holder)
			return
		case <-deadline.C:
			g.log.Warn("mailbox lease not renewed in time; stopping its supervisor", "mailbox", s.name)
			cancel()
		case <-t.C:
			asked := time.Now()
			rctx, rcancel := context.WithTimeout(ctx, leaseRenew)
			ok, err := g.cfg.Store.RenewLease(rctx, l.Name, l.Holder, leaseTTL)
			rcancel()
			if err != nil || !ok {
				g.log.Warn("mailbox lease lost; stopping its supervisor", "mailbox", s.name, "error", err)
				cancel()
				continue
			}
			deadline.Reset(time.Until(asked.Add(leaseTTL)))
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

// LeaseHeldError is run -once's refusal to read a mailbox that another
// instance is reading.
type LeaseHeldError struct {
	Mailbox, Holder string
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("mailbox %s is being read by another caucusgate (%s); stop it, or wait up to %s after it died",
		e.Mailbox, e.Holder, leaseTTL)
}

// syncLeased reads every mailbox once, as syncAll does, each under its
// lease: run -once beside a daemon on the same mailbox would forward what
// the daemon forwards. A mailbox whose lease is held elsewhere is refused
// with a LeaseHeldError; the others are read.
func (g *Gateway) syncLeased(ctx context.Context, sups []*mailboxWatch) error {
	errs := make([]error, len(sups))
	var wg sync.WaitGroup
	for i, s := range sups {
		wg.Go(func() { errs[i] = g.syncOneLeased(ctx, s) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (g *Gateway) syncOneLeased(ctx context.Context, s *mailboxWatch) error {
	l, ok, err := g.cfg.Store.TakeLease(ctx, leaseName(s), g.instance, leaseTTL)
	if err != nil {
		return fmt.Errorf("mailbox %s: %w", s.name, err)
	}
	if !ok {
		return &LeaseHeldError{Mailbox: s.name, Holder: l.Holder}
	}
	defer g.releaseLease(l.Name, l.Holder)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := g.keepLease(ctx, cancel, l, s.name)
	defer stop()
	if err := s.sup.SyncOnce(queue.WithLease(ctx, l)); err != nil {
		return fmt.Errorf("mailbox %s: %w", s.name, err)
	}
	return nil
}

// keepLease renews l while a one-off read runs (a large mailbox takes
// longer than the lease), and cancels it if the lease is lost.
func (g *Gateway) keepLease(ctx context.Context, cancel context.CancelFunc, l queue.Lease, mailbox string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(leaseRenew)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if ok, err := g.cfg.Store.RenewLease(ctx, l.Name, l.Holder, leaseTTL); err != nil || !ok {
				g.log.Warn("mailbox lease lost; stopping the read", "mailbox", mailbox, "error", err)
				cancel()
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
