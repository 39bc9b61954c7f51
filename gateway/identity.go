package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message/textproto"

	"caucusgate/rules"
)

// forwardedBefore says whether a message is one we forwarded: our own copy
// coming back (through a caucus's list, or with our From), or the very
// message delivered to the mailbox a second time. A distinct message that
// reuses a forwarded Message-ID goes through the rules like any other, and
// a message without Message-ID never matches by its absent one.
// idForwarded is the store's answer for its Message-ID (ForwardedMessageIDs).
func (in *intake) forwardedBefore(ctx context.Context, set *rules.Set, msg *inbound, raw []byte, idForwarded bool) (bool, error) {
	if msg.MessageID == "" || !idForwarded {
		return false, nil
	}
	if ourOwnComingBack(set, in.account, msg) {
		return true, nil
	}
	refs, err := in.store.InvitationOf(ctx, msg.MessageID)
	if err != nil {
		return false, err
	}
	key := sameMessageKey(raw)
	seen := map[int64]bool{}
	for _, r := range refs {
		if seen[r.MessageRef] {
			continue
		}
		seen[r.MessageRef] = true
		earlier, err := in.store.MessageRaw(ctx, r.MessageRef)
		if err != nil {
			continue // purged by retention: nothing left to compare
		}
		if sameMessageKey(earlier) == key {
			return true, nil
		}
	}
	return false, nil
}

// ourOwnComingBack says a message is mail we sent coming back: our From,
// or a caucus list's marks (its List-Id, a List-Post, Sender or
// X-BeenThere naming a caucus's address).
func ourOwnComingBack(set *rules.Set, acct Account, msg *inbound) bool {
	if strings.EqualFold(msg.Facts.From, acct.Address) {
		return true
	}
	return throughAnyList(set, msg) != ""
}

// throughAnyList is the caucus whose list a message came through, or "".
func throughAnyList(set *rules.Set, msg *inbound) string {
	h := msg.Facts.Header
	for _, c := range set.Caucuses() {
		if c.Address == "" {
			continue
		}
		if throughList(c, msg) {
			return c.ID
		}
		for _, key := range []string{"List-Post", "Sender", "X-Beenthere", "X-BeenThere"} {
			for _, v := range h[key] {
				if strings.Contains(strings.ToLower(v), c.Address) {
					return c.ID
				}
			}
		}
	}
	return ""
}

// traceFields are written on the way, not by the sender: a message
// delivered twice differs in them only.
var traceFields = map[string]bool{"received": true, "return-path": true, "delivered-to": true, "x-original-to": true}

// sameMessageKey identifies a message's content: every header field but
// the trace fields, in order, and the body. Two deliveries of one message
// have the same key; messages that differ in any other field, Content-Type
// included, do not.
func sameMessageKey(raw []byte) string {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		sum := sha256.Sum256(raw)
		return fmt.Sprintf("raw:%x", sum)
	}
	sum := sha256.New()
	fields := h.Fields()
	for fields.Next() {
		if traceFields[strings.ToLower(fields.Key())] {
			continue
		}
		fmt.Fprintf(sum, "%s:%s\x00", strings.ToLower(fields.Key()), fields.Value())
	}
	sum.Write([]byte{0})
	_, _ = io.Copy(sum, br)
	return fmt.Sprintf("%x", sum.Sum(nil))
}
