package imapwatch

import (
	"context"
	"fmt"
	"time"
)

// AckBacklog describes messages committed to the store whose
// acknowledgement the server refused: they are still in the mailbox
// (perhaps with the keyword set) and are retried every Config.AckRetry.
type AckBacklog struct {
	Count int       // committed messages not yet acknowledged on the server
	Since time.Time // when the server began refusing; zero when Count is 0
	Err   error     // the last refusal; nil when Count is 0
}

// AckObserver is an Observer that also wants the acknowledgement backlog,
// after every refusal and whenever it changes while there is one.
type AckObserver interface {
	AckBacklog(b AckBacklog)
}

// AckAlerter is a Sink that tells the admins (once per refusal period)
// when the server has refused acknowledgements for Config.AckAlertAfter.
type AckAlerter interface {
	AlertAckBacklog(ctx context.Context, mailbox string, uidValidity uint32, b AckBacklog) error
}

// ackState is the Supervisor's memory of refused acknowledgements. It lives
// across reconnects; a restart of the process begins it again at the first
// refusal. Only the Supervisor's goroutine touches it.
type ackState struct {
	since   time.Time // zero: no backlog
	err     error
	retryAt time.Time
	alerted bool // the admins were told of this period
}

// ackRefused records a refusal; the messages stay pending in the store.
func (ss *session) ackRefused(ctx context.Context, err error) error {
	cfg := &ss.s.cfg
	b := &ss.s.acks
	now := cfg.Now()
	if b.since.IsZero() {
		b.since = now
	}
	b.err, b.retryAt = err, now.Add(cfg.AckRetry)
	ss.log.Warn("the server refused an acknowledgement; intake goes on and it is retried",
		"err", err, "retry_in", cfg.AckRetry, "refused_since", b.since)
	return ss.reportBacklog(ctx)
}

// acked notes an acknowledgement the server took: a backlog, if any, is
// retried at once, since the server evidently accepts them again.
func (ss *session) acked(ctx context.Context) error {
	if ss.s.acks.since.IsZero() {
		return nil
	}
	ss.s.acks.retryAt = time.Time{}
	return ss.reportBacklog(ctx)
}

// reportBacklog counts what is pending and tells the observer; an empty
// backlog ends the refusal period.
func (ss *session) reportBacklog(ctx context.Context) error {
	cfg := &ss.s.cfg
	uids, err := cfg.Sink.Unacked(ctx, cfg.Mailbox, ss.uidValidity)
	if err != nil {
		return fmt.Errorf("count unacknowledged messages: %w", err)
	}
	b := AckBacklog{Count: len(uids), Since: ss.s.acks.since, Err: ss.s.acks.err}
	if len(uids) == 0 {
		ss.s.acks = ackState{}
		b = AckBacklog{}
	}
	if o, ok := cfg.Observer.(AckObserver); ok {
		o.AckBacklog(b)
	}
	return ss.alertBacklog(ctx, b)
}

func (ss *session) alertBacklog(ctx context.Context, b AckBacklog) error {
	cfg := &ss.s.cfg
	a, ok := cfg.Sink.(AckAlerter)
	if !ok || b.Count == 0 || ss.s.acks.alerted || cfg.Now().Sub(b.Since) < cfg.AckAlertAfter {
		return nil
	}
	ss.log.Error("the server has refused acknowledgements for too long; telling the admins",
		"count", b.Count, "refused_since", b.Since, "err", b.Err)
	if err := a.AlertAckBacklog(ctx, cfg.Mailbox, ss.uidValidity, b); err != nil {
		return fmt.Errorf("alert admins of the acknowledgement backlog: %w", err)
	}
	ss.s.acks.alerted = true
	return nil
}

// retryAcks retries the pending acknowledgements when their time has come.
func (ss *session) retryAcks(ctx context.Context) error {
	b := &ss.s.acks
	if b.since.IsZero() || ss.s.cfg.Now().Before(b.retryAt) {
		return nil
	}
	uids, err := ss.s.cfg.Sink.Unacked(ctx, ss.s.cfg.Mailbox, ss.uidValidity)
	if err != nil {
		return fmt.Errorf("list unacknowledged messages: %w", err)
	}
	ss.log.Info("retrying refused acknowledgements", "count", len(uids))
	if len(uids) == 0 {
		return ss.reportBacklog(ctx)
	}
	return ss.ack(ctx, uids)
}
