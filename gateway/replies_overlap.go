package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"caucusgate/queue"
	"caucusgate/rules"
)

// A roster member of several caucuses gets one copy of a message sent to
// them all, labelled with the first (plan.go); its X-Caucus-Caucuses
// names every caucus it stands for. A reply to that copy answers for all
// of them, unless its subject tags one ("[caucus: youth]").

// answeredFor are the caucuses a reply to copy del answers for: those the
// copy was sent for, narrowed to the ones the reply's tag names when it
// names any of them.
func (in *intake) answeredFor(ctx context.Context, set *rules.Set, del queue.DeliveryInfo, msg *inbound) ([]string, error) {
	sentFor, err := in.sentFor(ctx, del)
	if err != nil || len(sentFor) < 2 {
		return []string{del.Caucus}, err
	}
	return narrowToTagged(set, msg.Facts.Subject, sentFor), nil
}

// narrowToTagged is ids narrowed to the caucuses subject's routing tag
// names, or all of ids when the tag names none of them.
func narrowToTagged(set *rules.Set, subject string, ids []string) []string {
	tagged := set.TaggedCaucuses(subject)
	chosen := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !slices.Contains(tagged, id) })
	if len(chosen) > 0 {
		return chosen
	}
	return ids
}

// sentFor reads the caucuses copy del stood for from its stored spec.
func (in *intake) sentFor(ctx context.Context, del queue.DeliveryInfo) ([]string, error) {
	raw, err := in.store.DeliverySpec(ctx, del.ID)
	if err != nil {
		return nil, fmt.Errorf("read the copy a reply answers: %w", err)
	}
	var spec deliverySpec
	if err := json.Unmarshal(raw, &spec); err != nil || spec.Forward == nil {
		return nil, nil // not a forwarded copy: it stood for its own caucus
	}
	return spec.Forward.SentFor, nil
}

// mergeHandled joins what one reply makes as the answer of several
// caucuses: every pending item, one decision naming the caucuses it is
// relayed for. With nothing relayed, the first caucus's outcome stands
// (a hold, a refusal, the inviter's own mail).
func mergeHandled(all []handled) handled {
	var out handled
	var reasons []string
	for _, h := range all {
		if len(h.pending) == 0 {
			continue
		}
		if len(out.pending) == 0 {
			out = h
			out.decision.Caucuses = nil
		} else {
			out.pending = append(out.pending, h.pending...)
			out.supersedes = append(out.supersedes, h.supersedes...)
		}
		out.decision.Caucuses = append(out.decision.Caucuses, h.decision.Caucuses...)
		reasons = append(reasons, h.decision.Reason)
	}
	if len(out.pending) == 0 {
		return all[0]
	}
	out.decision.Reason = strings.Join(reasons, "; ")
	return out
}

// fallbackAnswer is a caucus a token-less reply verifiably comes from,
// and why relaying it needs a review ("" when it needs none).
type fallbackAnswer struct{ caucus, review string }

// fallbackAnswers are the caucuses a token-less reply answers invitation
// ref for, as the token would: every caucus the invitation went to that
// the reply verifiably comes from (caucusOrigin), so that a member of
// several rosters answers for each of them, narrowed to those its subject
// tags when it tags any. Through a caucus's list it answers for that list
// alone, whatever rosters its poster is on: the list's copy stood for it.
func fallbackAnswers(set *rules.Set, msg *inbound, refs []queue.ForwardRef, ref int64) []fallbackAnswer {
	var out []fallbackAnswer
	seen := map[string]bool{}
	for _, f := range refs {
		c, ok := set.Caucus(f.Caucus)
		if f.MessageRef != ref || seen[f.Caucus] || !ok {
			continue
		}
		seen[f.Caucus] = true
		if o, why := caucusOrigin(set, c, msg); o != notFromCaucus {
			out = append(out, fallbackAnswer{caucus: c.ID, review: unverified(o, why)})
		}
	}
	if lists := slices.DeleteFunc(slices.Clone(out), func(a fallbackAnswer) bool { return !isList(set, a.caucus) }); len(lists) > 0 {
		out = lists
	}
	var ids []string
	for _, a := range out {
		ids = append(ids, a.caucus)
	}
	chosen := narrowToTagged(set, msg.Facts.Subject, ids)
	return slices.DeleteFunc(out, func(a fallbackAnswer) bool { return !slices.Contains(chosen, a.caucus) })
}

func isList(set *rules.Set, id string) bool {
	c, ok := set.Caucus(id)
	return ok && c.Address != ""
}

// relayFallback relays a token-less reply to invitation ref as the answer
// of each caucus in answers, merged into one outcome as the token path's.
func (in *intake) relayFallback(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, ref int64, answers []fallbackAnswer) (handled, error) {
	var all []handled
	for _, a := range answers {
		h, err := in.relayReply(ctx, set, d, msg, ref, a.caucus, a.review)
		if err != nil {
			return handled{}, err
		}
		all = append(all, h)
	}
	return mergeHandled(all), nil
}

// invitationRefs are the distinct invitations among refs, oldest first.
func invitationRefs(refs []queue.ForwardRef) []int64 {
	var out []int64
	for _, f := range refs {
		if !slices.Contains(out, f.MessageRef) {
			out = append(out, f.MessageRef)
		}
	}
	return out
}
