package gateway

import (
	"fmt"
	"slices"
	"strings"

	"caucusgate/queue"
	"caucusgate/rules"
)

// answerOrDiscussion says whether mail to a copy's reply token answers the
// invitation, or is the caucus talking among itself with the token still
// in Cc. An answer names the token in To (the member answered the copy),
// or answers the copy itself (In-Reply-To names it), or comes from one of
// the caucus's responders (its focal points) naming the token in To or Cc
// wherever it sits in the thread. Mail programs reply to the latest
// message of a conversation, so anything else is unclear: the reason it
// returns says why, and the reply is held for review, never relayed at
// once and never dropped.
func answerOrDiscussion(set *rules.Set, c rules.Caucus, del queue.DeliveryInfo, msg *inbound, tok string) (unclear string) {
	switch {
	case namesToken(msg.Facts.To, tok):
		return ""
	case answersCopy(msg, del.MessageID):
		return ""
	case isResponder(set, c, msg):
		return ""
	}
	return fmt.Sprintf("names the reply address of caucus %s's copy only in Cc while answering %s, and %s is not a responder of the caucus: "+
		"an answer or the caucus's own discussion? held for review", c.ID, firstNonEmpty(strings.Join(inReplyToIDs(msg), " "), "no message"), msg.Facts.From)
}

// namesToken says whether one of addrs is the plus-address of token tok.
func namesToken(addrs []string, tok string) bool {
	needle := "+" + strings.ToLower(tok) + "@"
	return slices.ContainsFunc(addrs, func(a string) bool { return strings.Contains(strings.ToLower(a), needle) })
}

// answersCopy says whether msg answers the forwarded copy itself: its
// In-Reply-To names the copy's Message-ID (the invitation's, kept in
// resend mode).
func answersCopy(msg *inbound, copyID string) bool {
	id := strings.Trim(copyID, "<>")
	return id != "" && slices.ContainsFunc(inReplyToIDs(msg), func(r string) bool { return strings.EqualFold(r, id) })
}

// isResponder says whether msg comes from one of caucus c's responders.
// Under require_auth the From must be authenticated too: a focal point's
// From is forgeable like anyone's.
func isResponder(set *rules.Set, c rules.Caucus, msg *inbound) bool {
	from := msg.Facts.From
	if !slices.ContainsFunc(c.Responders, func(r string) bool { return strings.EqualFold(r, from) }) {
		return false
	}
	if ra := set.Bureau().RequireAuth; ra == "" || ra == "none" {
		return true
	}
	ok, _ := set.SenderAuthenticated(&msg.Facts)
	return ok
}

// inReplyToIDs are the Message-IDs of In-Reply-To: the message msg
// answers. References name the whole thread, so they make no answer.
func inReplyToIDs(msg *inbound) []string {
	return messageIDsOf(msg, "In-Reply-To")
}

// messageIDsOf are the Message-IDs in the given header fields, in order,
// each once.
func messageIDsOf(msg *inbound, fields ...string) []string {
	var ids []string
	for _, field := range fields {
		for _, v := range msg.Facts.Header[field] {
			for _, w := range strings.Fields(v) {
				if id := strings.Trim(w, "<>,"); strings.Contains(id, "@") && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}
