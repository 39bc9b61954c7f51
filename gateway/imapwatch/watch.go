package imapwatch

import (
	"context"
	"fmt"
	"time"
)

// watch drains the mailbox, then waits for more with IDLE or a poll timer,
// until the connection or the context ends.
func (ss *session) watch(ctx context.Context) error {
	for {
		if err := ss.drain(ctx); err != nil {
			return err
		}
		wait := ss.poll
		if ss.idle {
			wait = ss.idleOnce
		}
		if err := wait(ctx); err != nil {
			return err
		}
	}
}

// idleOnce runs one IDLE until new mail, the check interval, a lost
// connection or the end of ctx. IDLE is ended with Close, then Wait, before
// any other command. Nothing is awaited during IDLE, so a server frozen
// there goes unnoticed until IDLE ends: ending it every IdleCheck (well
// under RFC 2177's 29 minutes, and under IdleRestart) is what bounds that.
// DONE is written through the watchdog, which then awaits its answer: a
// frozen server is cut StallTimeout later, one that answers never is. The
// drain that follows asks for new mail, so no NOOP is needed.
func (ss *session) idleOnce(ctx context.Context) error {
	cmd, err := ss.cn.c.Idle()
	if err != nil {
		return fmt.Errorf("start IDLE: %w", firstErr(ctx.Err(), err))
	}
	ss.cn.quiet()
	ss.s.cfg.Observer.State(StateIdle)
	t := time.NewTimer(min(ss.s.cfg.IdleRestart, ss.s.cfg.IdleCheck))
	defer t.Stop()
	select {
	case <-ss.cn.events:
	case <-t.C:
	case <-ctx.Done():
	case <-ss.cn.c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("stop IDLE: %w", firstErr(ctx.Err(), err))
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("end IDLE: %w", firstErr(ctx.Err(), err))
	}
	return ctx.Err()
}

// poll waits PollInterval, then sends NOOP so that servers which report new
// mail only in command responses do so before the next fetch.
func (ss *session) poll(ctx context.Context) error {
	ss.s.cfg.Observer.State(StatePolling)
	ss.cn.quiet()
	t := time.NewTimer(ss.s.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ss.cn.events:
	case <-ctx.Done():
		return ctx.Err()
	case <-ss.cn.c.Closed():
	}
	if err := ss.cn.c.Noop().Wait(); err != nil {
		return fmt.Errorf("poll (NOOP): %w", firstErr(ctx.Err(), err))
	}
	return nil
}

// firstErr prefers the context's error: once ctx ends the connection is
// closed under the command, and "use of closed connection" would mislead.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
