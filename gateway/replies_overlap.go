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
	tagged := set.TaggedCaucuses(msg.Facts.Subject)
	chosen := slices.DeleteFunc(slices.Clone(sentFor), func(id string) bool { return !slices.Contains(tagged, id) })
	if len(chosen) > 0 {
		return chosen, nil
	}
	return sentFor, nil
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
