package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// Supervisor watches one mailbox of one account.
type Supervisor struct {
	cfg Config
	log *slog.Logger
	// useStartTLS remembers that the server offered STARTTLS on imap://,
	// so later connections start TLS at once.
	useStartTLS atomic.Bool
	acks        ackState // refused acknowledgements, across reconnects
	doneChecked bool     // the done mailbox was looked up (checkDoneOnce)
}

// New checks cfg and applies its defaults.
func New(cfg Config) (*Supervisor, error) {
	cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("configure IMAP watch of %s/%s: %w", cfg.Account, cfg.Mailbox, err)
	}
	s := &Supervisor{cfg: cfg}
	s.log = cfg.Logger.With("account", cfg.Account, "mailbox", cfg.Mailbox, "imap", cfg.URL.Host)
	return s, nil
}

func (s *Supervisor) limits() limits {
	return limits{count: s.cfg.BatchSize, bytes: s.cfg.BatchBytes, message: s.cfg.MaxMessageSize}
}

// stableAfter is how long a connection must last before its loss counts as
// a fresh failure rather than one more in a series: a server that accepts
// and then drops every connection still gets backed off.
const stableAfter = time.Minute

// Run watches the mailbox until ctx ends, reconnecting with backoff after
// every failure. It returns nil when ctx ends. Run and SyncOnce must not run
// at the same time on one Supervisor.
func (s *Supervisor) Run(ctx context.Context) error {
	quick := backoff{lo: s.cfg.RetryMin, hi: s.cfg.RetryMax}
	slow := backoff{lo: s.cfg.AuthRetryMin, hi: s.cfg.AuthRetryMax}
	for {
		start := s.cfg.Now()
		err := s.runSession(ctx)
		if ctx.Err() != nil {
			s.cfg.Observer.State(StateStopped)
			return nil
		}
		if s.cfg.Now().Sub(start) >= stableAfter {
			quick.reset()
			slow.reset()
		}
		delay := s.report(err, &quick, &slow)
		s.cfg.Observer.State(StateBackoff)
		if !sleep(ctx, delay) {
			s.cfg.Observer.State(StateStopped)
			return nil
		}
	}
}

func (s *Supervisor) runSession(ctx context.Context) error {
	s.cfg.Observer.State(StateConnecting)
	ss, err := s.open(ctx)
	if err != nil {
		return err
	}
	defer ss.cn.close()
	s.log.Info("watching mailbox", "idle", ss.idle, "keyword", ss.keyword, "last_uid", ss.lastUID)
	return ss.cn.wd.stallErr(ss.watch(ctx))
}

// report logs and observes a failure and returns how long to wait.
func (s *Supervisor) report(err error, quick, slow *backoff) time.Duration {
	s.cfg.Observer.Reconnect(err)
	if errors.Is(err, ErrAuth) {
		s.cfg.Observer.AuthFailed(err)
	}
	if permanent(err) {
		d := slow.next(s.cfg.Rand())
		s.log.Error("IMAP watch failed; the configuration or credentials need attention", "err", err, "retry_in", d)
		return d
	}
	d := quick.next(s.cfg.Rand())
	s.log.Warn("IMAP connection lost", "err", err, "retry_in", d)
	return d
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// SyncOnce connects, takes and acknowledges everything in the mailbox now,
// and disconnects: the daemon's -once mode.
func (s *Supervisor) SyncOnce(ctx context.Context) error {
	ss, err := s.open(ctx)
	if err != nil {
		if errors.Is(err, ErrAuth) {
			s.cfg.Observer.AuthFailed(err)
		}
		return err
	}
	defer ss.cn.close()
	if err := ss.drain(ctx); err != nil {
		return ss.cn.wd.stallErr(err)
	}
	if err := ss.cn.c.Logout().Wait(); err != nil {
		s.log.Debug("IMAP logout failed", "err", err)
	}
	return nil
}
