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
// relayed once. The key is the Message-ID and the authenticated sender
// together, never a missing Message-ID: where the trusted results
// authenticate the From as the author, only a copy they authenticate as
// well makes it "the same answer"; a copy they do not authenticate (a
// forgery with the same Message-ID, From and text) never suppresses it.
// Bodies that differ beyond a footer are two answers (a corrected resend
// under the same Message-ID, or a forgery meant to suppress the real
// one), both relayed. Of two copies that wait still, the authenticated
// one is kept, and then the direct copy rather than the list's, whose
// footer the inviter does not need.

// maxFooter bounds what a list may add after the text and still be the
// same answer: Mailman's and Sympa's footers are a few lines.
const maxFooter = 4 << 10

// sameAnswerBefore says whether msg is an answer already taken to relay
// about invitation ref from caucus (again), or, when an earlier copy of
// it is worse (betterCopy) and waits still, the pending items msg
// replaces.
func (in *intake) sameAnswerBefore(ctx context.Context, set *rules.Set, msg *inbound, ref int64, caucus string) (supersedes []int64, again bool, err error) {
	earlier, err := in.store.EarlierReplies(ctx, ref, caucus, msg.MessageID, msg.Facts.From)
	if err != nil || len(earlier) == 0 {
		return nil, false, err
	}
	c, _ := set.Caucus(caucus)
	authentic := authenticAuthor(set, msg)
	for _, e := range earlier {
		prev, err := in.storedInbound(ctx, set, e.MessageRef)
		if err != nil {
			return nil, false, err
		}
		if prev == nil {
			return nil, true, nil // purged: counted as the same answer
		}
		if !sameBeyondFooter(prev, msg) {
			continue
		}
		prevAuthentic := authenticAuthor(set, prev)
		if betterCopy(authentic, prevAuthentic, throughList(c, msg), throughList(c, prev)) && len(e.Open) == e.Items {
			supersedes = append(supersedes, e.Open...)
			continue
		}
		if authentic && !prevAuthentic {
			continue // relayed already: the authenticated answer is relayed too
		}
		return nil, true, nil
	}
	return supersedes, false, nil
}

// authenticAuthor says whether the trusted results authenticate msg's
// From as its author: DMARC passed for its domain, or a DKIM signature
// aligned with it passed.
func authenticAuthor(set *rules.Set, msg *inbound) bool {
	v := set.Verdict(&msg.Facts)
	if ok, _ := v.Author(msg.Facts.From, "dmarc"); ok {
		return true
	}
	ok, _ := v.Author(msg.Facts.From, "dkim")
	return ok
}

// betterCopy says whether one copy of an answer is better than another:
// authenticated as its author where the other is not, else, as well
// authenticated, the direct copy where the other came through a list.
func betterCopy(authentic, otherAuthentic, viaList, otherViaList bool) bool {
	if authentic != otherAuthentic {
		return authentic
	}
	return otherViaList && !viaList
}

// storedInbound parses a stored message again, and verifies its DKIM
// signatures again under bureau.verify: local; nil when its bytes were
// purged (then it counts as the same answer: relayed once).
func (in *intake) storedInbound(ctx context.Context, set *rules.Set, ref int64) (*inbound, error) {
	raw, err := in.store.MessageRaw(ctx, ref)
	if errors.Is(err, queue.ErrNotFound) || (err == nil && len(raw) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read an earlier answer: %w", err)
	}
	return in.reread(ctx, set, raw), nil
}

// reread parses a message intake read before, with the authentication
// intake gave it (no DMARC policy look-up: holding is decided already).
func (in *intake) reread(ctx context.Context, set *rules.Set, raw []byte) *inbound {
	msg := parseInbound(raw)
	authenticate(ctx, in.resolver, nil, set, msg, raw)
	return msg
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
// for earlier batches): of two copies the better one is kept (betterCopy:
// the authenticated one, else the one without a List-Id), and bodies that
// differ beyond a footer are both kept.
func (in *intake) onceInBatch(ctx context.Context, set *rules.Set, msgs []queue.Incoming, ds []rules.Decision) {
	kept := map[string][]int{}
	for i := range msgs {
		m := &msgs[i]
		if len(m.Pending) == 0 || m.MessageID == "" {
			continue
		}
		key := fmt.Sprintf("%d\x00%s\x00%s\x00%s", m.Pending[0].InvitationRef, m.Pending[0].Caucus, m.MessageID, m.From)
		if len(kept[key]) == 0 {
			kept[key] = append(kept[key], i)
			continue
		}
		this := in.reread(ctx, set, m.Raw)
		j, other, found := in.sameInBatch(ctx, set, msgs, kept[key], this)
		switch {
		case !found:
			kept[key] = append(kept[key], i)
		case betterCopy(authenticAuthor(set, this), authenticAuthor(set, other), viaAList(this), viaAList(other)):
			dropRelay(msgs, ds, j)
			kept[key] = append(slices.DeleteFunc(kept[key], func(k int) bool { return k == j }), i)
		default:
			dropRelay(msgs, ds, i)
		}
	}
}

// sameInBatch finds, among the kept messages, one that is the same
// answer as this: its index and its reading.
func (in *intake) sameInBatch(ctx context.Context, set *rules.Set, msgs []queue.Incoming, kept []int, this *inbound) (int, *inbound, bool) {
	for _, j := range kept {
		if other := in.reread(ctx, set, msgs[j].Raw); sameBeyondFooter(other, this) {
			return j, other, true
		}
	}
	return 0, nil, false
}

// viaAList says a message carries a List-Id: within one batch the list's
// copy of an answer is told from the direct one by that alone.
func viaAList(m *inbound) bool {
	return len(m.Facts.Header["List-Id"]) > 0
}

// dropRelay takes msgs[i]'s relay back: the same answer is relayed once.
func dropRelay(msgs []queue.Incoming, ds []rules.Decision, i int) {
	m := &msgs[i]
	m.Pending, m.Supersedes, m.RelayThread = nil, nil, ""
	ds[i] = undecided(ds[i], fmt.Sprintf("the same answer (Message-ID %s from %s) arrived twice: relayed once", m.MessageID, m.From))
	m.Decision, m.Caucuses, m.Reason = ds[i].Action.String(), ds[i].Caucuses, ds[i].Reason
}
