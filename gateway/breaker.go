package gateway

import (
	"context"
	"fmt"
	"time"

	"caucusgate/queue"
	"caucusgate/rules"
)

// applyBreaker is the circuit breaker of forwarding.loop_limit and the
// daily cap of replies.daily_cap, both per thread (one invitation, one
// caucus). When mail coming back about a thread is relayed more than N
// times in M minutes (two auto-responders answering each other through
// the gateway, say), the next is held for review and the admins are told.
// Beyond the daily cap in 24 hours (an out-of-office ping-pong on a daily
// schedule never trips a 60-minute window), the next is held too. The
// counts are the store's, plus this batch's own relays before each message.
func (in *intake) applyBreaker(ctx context.Context, set *rules.Set, msgs []queue.Incoming, ds []rules.Decision, raws [][]byte) error {
	limit, daily := set.Forwarding().LoopLimit, set.Replies().DailyCap
	if limit.Relays <= 0 && daily <= 0 {
		return nil
	}
	type count struct{ window, day int }
	counts := map[string]*count{}
	for i := range msgs {
		thread := msgs[i].RelayThread
		if thread == "" {
			continue
		}
		c, ok := counts[thread]
		if !ok {
			c = &count{}
			var err error
			if c.window, err = in.store.CountRelays(ctx, thread, in.now().Add(-limit.Window)); err != nil {
				return fmt.Errorf("count relays: %w", err)
			}
			if c.day, err = in.store.CountRelays(ctx, thread, in.now().Add(-24*time.Hour)); err != nil {
				return fmt.Errorf("count relays: %w", err)
			}
			counts[thread] = c
		}
		switch {
		case limit.Relays > 0 && c.window >= limit.Relays:
			in.trip(&msgs[i], &ds[i], limit, raws[i])
		case daily > 0 && c.day >= daily:
			capped(&msgs[i], &ds[i], daily)
		default:
			c.window++
			c.day++
		}
	}
	return nil
}

// capped holds one reply's relay beyond the thread's daily cap.
func capped(inc *queue.Incoming, d *rules.Decision, daily int) {
	for j := range inc.Pending {
		inc.Pending[j].Held = true
	}
	inc.RelayThread = ""
	d.Reason = fmt.Sprintf("daily cap: %d replies of this caucus about this invitation were relayed in the last 24 hours (replies.daily_cap); this one is held for review", daily)
	inc.Reason = d.Reason
}

// trip holds one reply's relay and writes the admins' alert.
func (in *intake) trip(inc *queue.Incoming, d *rules.Decision, limit rules.LoopLimit, raw []byte) {
	for j := range inc.Pending {
		inc.Pending[j].Held = true
	}
	inc.RelayThread = ""
	d.Reason = fmt.Sprintf("circuit breaker: more than %d relays in %s about one invitation; this reply is held for review", limit.Relays, limit.Window)
	inc.Reason = d.Reason
	in.log.Warn("circuit breaker tripped", "message_id", inc.MessageID, "from", inc.From, "limit", limit.Relays, "window", limit.Window)
	inc.Deliveries = append(inc.Deliveries, in.notifyAdmins("caucusgate: circuit breaker tripped", d.Reason, parseInbound(raw))...)
}
