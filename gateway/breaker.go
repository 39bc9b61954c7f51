package gateway

import (
	"context"
	"fmt"

	"caucusgate/queue"
	"caucusgate/rules"
)

// applyBreaker is the circuit breaker of forwarding.loop_limit: when mail
// coming back about one forwarded invitation is relayed more than N times
// in M minutes (two auto-responders answering each other through the
// gateway, say), the next is held for review and the admins are told. The
// count is the store's, plus this batch's own relays before each message.
func (in *intake) applyBreaker(ctx context.Context, set *rules.Set, msgs []queue.Incoming, ds []rules.Decision, raws [][]byte) error {
	limit := set.Forwarding().LoopLimit
	if limit.Relays <= 0 {
		return nil
	}
	counts := map[string]int{}
	for i := range msgs {
		thread := msgs[i].RelayThread
		if thread == "" {
			continue
		}
		if _, ok := counts[thread]; !ok {
			n, err := in.store.CountRelays(ctx, thread, in.now().Add(-limit.Window))
			if err != nil {
				return fmt.Errorf("count relays: %w", err)
			}
			counts[thread] = n
		}
		if counts[thread] < limit.Relays {
			counts[thread]++
			continue
		}
		in.trip(&msgs[i], &ds[i], limit, raws[i])
	}
	return nil
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
