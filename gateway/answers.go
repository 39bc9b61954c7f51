package gateway

import (
	"context"
	"errors"
	"fmt"

	"caucusgate/queue"
	"caucusgate/rules"
)

// handled is what intake makes of one message beside the rules'
// decision: the replies to relay, the bounces to count, and who left.
type handled struct {
	decision rules.Decision
	pending  []queue.NewPending
	// supersedes are pending replies this message's items replace: the
	// list's copy of the same answer, which came first.
	supersedes []int64
	thread     string // a relay about this thread, for the circuit breaker
	bounces    []queue.Bounce
	// left is a roster member who unsubscribed by mail: the rest of the
	// batch must not send them copies either.
	left *unsubscription
}

type unsubscription struct{ caucus, member string }

// undecided turns a decision into "none" with a reason: the message stays
// in the mailbox, processed, and nothing is sent.
func undecided(d rules.Decision, reason string) rules.Decision {
	d.Action, d.Reason, d.Caucuses = rules.None, reason, nil
	return d
}

// moderatorAnswer applies "approve" or "reject REASON" from a moderator of
// the held message; anyone else's answer does nothing.
func (in *intake) moderatorAnswer(ctx context.Context, d rules.Decision, msg *inbound, heldID int64) (handled, error) {
	held, err := in.store.GetHeld(ctx, heldID)
	if errors.Is(err, queue.ErrNotFound) {
		return handled{decision: undecided(d, fmt.Sprintf("moderator answer about held message %d, which does not exist", heldID))}, nil
	}
	if err != nil {
		return handled{}, err
	}
	from := msg.Facts.From
	if !isModerator(held, from) {
		return handled{decision: undecided(d, fmt.Sprintf("answer about held message %d from %s: %v; nothing done", heldID, from, errNotModerator))}, nil
	}
	verb, reason, ok := moderatorCommand(msg.Facts.Body)
	if !ok {
		return handled{decision: undecided(d, fmt.Sprintf("answer about held message %d from %s has neither approve nor reject on its first line", heldID, from))}, nil
	}
	if verb == "approve" {
		_, err = in.moderation.Approve(ctx, heldID, from)
	} else {
		err = in.moderation.Reject(ctx, heldID, from, reason)
	}
	if errors.Is(err, queue.ErrWrongState) {
		return handled{decision: undecided(d, fmt.Sprintf("%s of held message %d by %s: it was already decided", verb, heldID, from))}, nil
	}
	if err != nil {
		return handled{}, fmt.Errorf("%s held message %d: %w", verb, heldID, err)
	}
	return handled{decision: undecided(d, fmt.Sprintf("moderator %s: %s held message %d", from, verb, heldID))}, nil
}
