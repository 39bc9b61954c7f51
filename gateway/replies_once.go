package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"caucusgate/queue"
	"caucusgate/rules"
)

// An answer arrives more than once: a reply-all to the copy's token with
// the bureau in Cc lands twice in the mailbox, and with the bureau
// subscribed the list brings it back a third time with its footer. It is
// relayed once. The key is the Message-ID and the sender together, never
// a missing Message-ID; and bodies that differ beyond a footer are two
// answers (a corrected resend under the same Message-ID, or a forgery
// meant to suppress the real one), both relayed. The direct copy is
// preferred to the list's, whose footer the inviter does not need.

// maxFooter bounds what a list may add after the text and still be the
// same answer: Mailman's and Sympa's footers are a few lines.
const maxFooter = 4 << 10

// sameAnswerBefore says whether msg is an answer already taken to relay
// about invitation ref from caucus (again), or, when the earlier one was
// the list's copy and waits still, the pending items msg replaces.
func (in *intake) sameAnswerBefore(ctx context.Context, set *rules.Set, msg *inbound, ref int64, caucus string) (supersedes []int64, again bool, err error) {
	earlier, err := in.store.EarlierReplies(ctx, ref, caucus, msg.MessageID, msg.Facts.From)
	if err != nil || len(earlier) == 0 {
		return nil, false, err
	}
	c, _ := set.Caucus(caucus)
	for _, e := range earlier {
		prev, err := in.storedInbound(ctx, e.MessageRef)
		if err != nil {
			return nil, false, err
		}
		if prev != nil && !sameBeyondFooter(prev, msg) {
			continue
		}
		if prev != nil && throughList(c, prev) && !throughList(c, msg) && len(e.Open) == e.Items {
			supersedes = append(supersedes, e.Open...)
			continue
		}
		return nil, true, nil
	}
	return supersedes, false, nil
}

// storedInbound parses a stored message again; nil when its bytes were
// purged (then it counts as the same answer: relayed once).
func (in *intake) storedInbound(ctx context.Context, ref int64) (*inbound, error) {
	raw, err := in.store.MessageRaw(ctx, ref)
	if errors.Is(err, queue.ErrNotFound) || (err == nil && len(raw) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read an earlier answer: %w", err)
	}
	return parseInbound(raw), nil
}

// sameBeyondFooter says whether a and b are one answer: the same
// attachments, and texts equal but for what a list adds at the end.
func sameBeyondFooter(a, b *inbound) bool {
	ta, tb := normalText(a.Facts.Body), normalText(b.Facts.Body)
	if len(ta) > len(tb) {
		ta, tb = tb, ta
	}
	if !strings.HasPrefix(tb, ta) || len(tb)-len(ta) > maxFooter {
		return false
	}
	return slices.EqualFunc(a.Facts.Attachments, b.Facts.Attachments, func(x, y rules.Attachment) bool { return x == y })
}

// normalText is text with line ends and trailing white space made
// uniform: lists re-encode what they pass on.
func normalText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// onceInBatch relays an answer once when it arrives more than once in one
// batch, on the same terms (sameAnswerBefore is the store's side of it,
// for earlier batches): the direct copy is kept rather than one with a
// List-Id, and bodies that differ beyond a footer are both kept.
func onceInBatch(msgs []queue.Incoming, ds []rules.Decision) {
	kept := map[string][]int{}
	for i := range msgs {
		m := &msgs[i]
		if len(m.Pending) == 0 || m.MessageID == "" {
			continue
		}
		key := fmt.Sprintf("%d\x00%s\x00%s\x00%s", m.Pending[0].InvitationRef, m.Pending[0].Caucus, m.MessageID, m.From)
		j, found := sameInBatch(msgs, kept[key], i)
		switch {
		case !found:
			kept[key] = append(kept[key], i)
		case viaAList(msgs[j]) && !viaAList(*m):
			dropRelay(msgs, ds, j)
			kept[key] = append(slices.DeleteFunc(kept[key], func(k int) bool { return k == j }), i)
		default:
			dropRelay(msgs, ds, i)
		}
	}
}

// sameInBatch finds, among the kept messages, one that is the same
// answer as msgs[i].
func sameInBatch(msgs []queue.Incoming, kept []int, i int) (int, bool) {
	if len(kept) == 0 {
		return 0, false
	}
	this := parseInbound(msgs[i].Raw)
	for _, j := range kept {
		if sameBeyondFooter(parseInbound(msgs[j].Raw), this) {
			return j, true
		}
	}
	return 0, false
}

// viaAList says a message carries a List-Id: within one batch the list's
// copy of an answer is told from the direct one by that alone.
func viaAList(m queue.Incoming) bool {
	return len(parseInbound(m.Raw).Facts.Header["List-Id"]) > 0
}

// dropRelay takes msgs[i]'s relay back: the same answer is relayed once.
func dropRelay(msgs []queue.Incoming, ds []rules.Decision, i int) {
	m := &msgs[i]
	m.Pending, m.Supersedes, m.RelayThread = nil, nil, ""
	ds[i] = undecided(ds[i], fmt.Sprintf("the same answer (Message-ID %s from %s) arrived twice: relayed once", m.MessageID, m.From))
	m.Decision, m.Caucuses, m.Reason = ds[i].Action.String(), ds[i].Caucuses, ds[i].Reason
}
