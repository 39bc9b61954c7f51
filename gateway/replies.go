package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"caucusgate/queue"
	"caucusgate/rules"
	"caucusgate/rules/schedule"
)

// caucusReply records a caucus's reply to a forwarded invitation as an item
// to relay to the inviter at the next slot of the reply schedule.
func (in *intake) caucusReply(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, deliveryID int64) (handled, error) {
	del, err := in.store.DeliveryByID(ctx, deliveryID)
	if errors.Is(err, queue.ErrNotFound) {
		return handled{decision: undecided(d, fmt.Sprintf("reply token names delivery %d, which does not exist", deliveryID))}, nil
	}
	if err != nil {
		return handled{}, err
	}
	caucuses, err := in.answeredFor(ctx, set, del, msg)
	if err != nil {
		return handled{}, err
	}
	var all []handled
	for _, id := range caucuses {
		h, err := in.replyFor(ctx, set, d, msg, del, id)
		if err != nil {
			return handled{}, err
		}
		all = append(all, h)
	}
	return mergeHandled(all), nil
}

// replyFor relays a reply to copy del as caucus id's answer.
func (in *intake) replyFor(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, del queue.DeliveryInfo, id string) (handled, error) {
	c, _ := set.Caucus(id)
	review := answerOrDiscussion(set, c, del, msg, d.ReplyToken)
	if set.Replies().From == "members" {
		o, why := caucusOrigin(set, c, msg)
		if o == notFromCaucus {
			return handled{decision: undecided(d, fmt.Sprintf("reply not from caucus %s (replies.from: members): %s; not relayed", id, why))}, nil
		}
		if o == fromCaucusUnverified {
			review = firstNonEmpty(review, why)
		}
	}
	return in.relayReply(ctx, set, d, msg, del.MessageRef, id, review)
}

// relayReply makes the pending items of a reply to invitation ref from caucus.
// Held items wait for a reviewer: under replies.review, or when review
// says why this one needs one (a sender who cannot be believed, an
// unclear answer).
func (in *intake) relayReply(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, ref int64, caucus string, review string) (handled, error) {
	r := set.Replies()
	held := review != "" || r.Review
	supersedes, again, err := in.sameAnswerBefore(ctx, set, msg, ref, caucus)
	if err != nil {
		return handled{}, err
	}
	if again {
		return handled{decision: undecided(d, fmt.Sprintf("the same answer (Message-ID %s from %s) was already taken to relay for caucus %s: relayed once", msg.MessageID, msg.Facts.From, caucus))}, nil
	}
	invitation, err := in.store.GetMessage(ctx, ref)
	if err != nil {
		return handled{}, fmt.Errorf("look up the invitation of a reply: %w", err)
	}
	destinations, err := in.replyDestinations(ctx, set, r, invitation)
	if err != nil {
		return handled{}, err
	}
	if slices.ContainsFunc(destinations, func(dest string) bool { return strings.EqualFold(dest, msg.Facts.From) }) {
		return in.ownMailToCopy(set, d, msg, caucus), nil
	}
	sched, err := schedule.Parse(firstNonEmpty(set.ReplySchedule(caucus, invitation.Rules), schedule.Immediate))
	if err != nil {
		return handled{}, fmt.Errorf("reply schedule: %w", err)
	}
	due := sched.DueSlot(in.now())
	var items []queue.NewPending
	for _, dest := range destinations {
		items = append(items, queue.NewPending{Kind: queue.KindReply, InvitationRef: ref, Caucus: caucus,
			Destination: dest, Schedule: sched.String(), DueSlot: due, Held: held})
	}
	d.Action, d.Caucuses = rules.Reply, []string{caucus}
	d.Reason = fmt.Sprintf("reply from caucus %s to %q, relayed to %s (%s)", caucus, invitation.Subject,
		strings.Join(destinations, ", "), relayedWhen(sched, held))
	if review != "" {
		d.Reason += ": " + review
	}
	return handled{decision: d, pending: items, supersedes: supersedes, thread: threadOf(ref, caucus)}, nil
}

// ownMailToCopy handles mail to a copy's token from someone its replies
// are relayed to (the inviter, who found the address in a relay, say):
// it is never relayed back to its sender. It goes to the caucus only when
// the sender is authenticated (require_auth), since every caucus member
// holds that token and a From is forgeable; otherwise it is held.
func (in *intake) ownMailToCopy(set *rules.Set, d rules.Decision, msg *inbound, caucus string) handled {
	d.Action, d.Caucuses, d.ReplyToken = rules.Forward, []string{caucus}, ""
	d.Reason = fmt.Sprintf("mail from %s to a copy's reply address, forwarded to caucus %s (never relayed back to its sender)", msg.Facts.From, caucus)
	if set.Bureau().RequireAuth == "none" || set.Bureau().RequireAuth == "" {
		return handled{decision: holdAnswer(set, d, fmt.Sprintf("mail from %s, who receives this caucus's replies, to a copy's reply address; without require_auth its From cannot be believed: held for review, never relayed back", msg.Facts.From))}
	}
	if ok, why := set.SenderAuthenticated(&msg.Facts); !ok {
		return handled{decision: holdAnswer(set, d, fmt.Sprintf("mail from %s to a copy's reply address, not authenticated (%s): held for review, never relayed back", msg.Facts.From, why))}
	}
	if set.Replies().InviterAnswers == "hold" {
		return handled{decision: holdAnswer(set, d, "the inviter's answer to the caucus is held for review (replies.inviter_answers: hold)")}
	}
	return handled{decision: d}
}

func relayedWhen(sched *schedule.Schedule, review bool) string {
	switch {
	case review:
		return "after review"
	case sched.IsImmediate():
		return "immediately"
	}
	return "at the next slot of " + sched.String()
}

// threadOf names the thread of mail coming back about one forwarded
// invitation from one caucus, for the circuit breaker and the daily cap.
func threadOf(invitationRef int64, caucus string) string {
	return fmt.Sprintf("invitation:%d:%s", invitationRef, caucus)
}

// replyDestinations applies replies.relay_to: the inviter (the invitation's
// Reply-To, else its From; for an invitation a bureau member forwarded with
// a tag, the original inviter), the bureau members, or a fixed address.
func (in *intake) replyDestinations(ctx context.Context, set *rules.Set, r rules.Replies, invitation queue.MessageInfo) ([]string, error) {
	switch r.RelayTo {
	case "", "sender":
		raw, err := in.store.MessageRaw(ctx, invitation.ID)
		if err != nil {
			return nil, fmt.Errorf("read the invitation of a reply: %w", err)
		}
		return []string{inviterOf(parseInbound(raw), set.Bureau().Members)}, nil
	case "bureau":
		return set.Bureau().Members, nil
	}
	return []string{r.RelayTo}, nil
}

// replyFallback recognises a reply that lost its token (a caucus member
// answering to the list rather than to Reply-To): In-Reply-To naming an
// invitation we forwarded. References name the whole thread: a list reply
// further down it is the caucus's discussion, never an answer. It counts
// only for what verifiably comes from the caucus (caucusOrigin): a roster
// member's From that cannot be believed is relayed only after review, and
// a message naming the invitation from anyone else never reaches the
// inviter. A member of several caucuses answers for each of them, as by
// the token (fallbackAnswers). Never from the inviter either: forwarded
// copies keep the invitation's Message-ID, so the inviter's own reminder
// would otherwise be relayed back to them. Anything else keeps the rules'
// decision.
func (in *intake) replyFallback(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound) (handled, error) {
	for _, id := range inReplyToIDs(msg) {
		refs, err := in.store.InvitationOf(ctx, id)
		if err != nil {
			return handled{decision: d}, err
		}
		for _, ref := range invitationRefs(refs) {
			if in.fromInviter(ctx, ref, msg) {
				continue
			}
			if answers := fallbackAnswers(set, msg, refs, ref); len(answers) > 0 {
				return in.relayFallback(ctx, set, d, msg, ref, answers)
			}
		}
	}
	return handled{decision: d}, nil
}

// unverified is why a reply from origin o needs a review, or "".
func unverified(o origin, why string) string {
	if o == fromCaucusUnverified {
		return why
	}
	return ""
}

func (in *intake) fromInviter(ctx context.Context, ref int64, msg *inbound) bool {
	inv, err := in.store.GetMessage(ctx, ref)
	return err != nil || strings.EqualFold(inv.From, msg.Facts.From)
}
