package gateway

import (
	"context"
	"errors"
	"fmt"

	"caucusgate/gateway/token"
	"caucusgate/queue"
	"caucusgate/rules"
)

// answered is what intake does with mail addressed to one of the account's
// plus-address tokens (LOCAL+TOKEN@DOMAIN): a caucus's reply to a forwarded
// invitation, or a moderator's answer about a held message.
type answered struct {
	decision rules.Decision
	pending  []queue.NewPending
	thread   string // a relay about this thread, for the circuit breaker
	// left is a roster member who unsubscribed by mail: the rest of the
	// batch must not send them copies either.
	left *unsubscription
}

type unsubscription struct{ caucus, member string }

// answer opens the token the rules found and acts on it. A token that does
// not open (forged, expired, another instance's key) leaves the message
// undecided, with the reason in its trace: it is never forwarded.
func (in *intake) answer(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound) (answered, error) {
	t, err := in.tokens.Open(d.ReplyToken, in.now())
	if err != nil {
		return answered{decision: undecided(d, fmt.Sprintf("addressed to a token that does not open (%v): not relayed", err))}, nil
	}
	switch t.Kind {
	case token.Moderation:
		return in.moderatorAnswer(ctx, d, msg, t.ID)
	case token.Reply:
		return in.caucusReply(ctx, set, d, msg, t.ID)
	}
	return answered{decision: undecided(d, fmt.Sprintf("addressed to a %s token: nothing to do", t.Kind))}, nil
}

// undecided turns a decision into "none" with a reason: the message stays
// in the mailbox, processed, and nothing is sent.
func undecided(d rules.Decision, reason string) rules.Decision {
	d.Action, d.Reason, d.Caucuses = rules.None, reason, nil
	return d
}

// moderatorAnswer applies "approve" or "reject REASON" from a moderator of
// the held message; anyone else's answer does nothing.
func (in *intake) moderatorAnswer(ctx context.Context, d rules.Decision, msg *inbound, heldID int64) (answered, error) {
	held, err := in.store.GetHeld(ctx, heldID)
	if errors.Is(err, queue.ErrNotFound) {
		return answered{decision: undecided(d, fmt.Sprintf("moderator answer about held message %d, which does not exist", heldID))}, nil
	}
	if err != nil {
		return answered{}, err
	}
	from := msg.Facts.From
	if !isModerator(held, from) {
		return answered{decision: undecided(d, fmt.Sprintf("answer about held message %d from %s: %v; nothing done", heldID, from, errNotModerator))}, nil
	}
	verb, reason, ok := moderatorCommand(msg.Facts.Body)
	if !ok {
		return answered{decision: undecided(d, fmt.Sprintf("answer about held message %d from %s has neither approve nor reject on its first line", heldID, from))}, nil
	}
	if verb == "approve" {
		_, err = in.moderation.Approve(ctx, heldID, from)
	} else {
		err = in.moderation.Reject(ctx, heldID, from, reason)
	}
	if errors.Is(err, queue.ErrWrongState) {
		return answered{decision: undecided(d, fmt.Sprintf("%s of held message %d by %s: it was already decided", verb, heldID, from))}, nil
	}
	if err != nil {
		return answered{}, fmt.Errorf("%s held message %d: %w", verb, heldID, err)
	}
	return answered{decision: undecided(d, fmt.Sprintf("moderator %s: %s held message %d", from, verb, heldID))}, nil
}
