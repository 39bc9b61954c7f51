package gateway

import (
	"fmt"
	"slices"
	"strings"

	"caucusgate/gateway/token"
	"caucusgate/gateway/unsubscribe"
	"caucusgate/rules"
)

// mailKind is what a message is to the gateway. Intake classifies each
// message once, from the rules' decision and the token it came to, and
// hands it to the code for its kind.
type mailKind int

const (
	// kindForward is mail the rules decide on: forwarded, held, rejected,
	// discarded, or left alone.
	kindForward mailKind = iota
	// kindNotice is mail never forwarded whatever the rules say (our own
	// copy coming back, an auto-reply, a loop): recorded, nothing sent.
	kindNotice
	// kindBounce is a delivery report about one of our copies.
	kindBounce
	// kindModeratorAnswer came to a held message's moderation token.
	kindModeratorAnswer
	// kindCaucusReply came to a forwarded copy's reply token: from the
	// caucus to the inviter.
	kindCaucusReply
	// kindInviterAnswer came to a relayed reply's token: from the inviter
	// to the caucus, through the same path as any forward.
	kindInviterAnswer
	// kindBadToken came to a plus-address token that does not open, or
	// opens as a kind nothing answers to.
	kindBadToken
	// kindListMail came through a caucus's own list (its list_id) and no
	// token or fallback makes it an answer: discussion, or our own copy
	// coming back. It never goes through the forwarding rules.
	kindListMail
	// kindListCopy is our own copy coming back through its caucus's list
	// (listconfirm.go): it marks the delivery distributed.
	kindListCopy
	// kindListNotice is a caucus list server's notice (held, rejected)
	// about our copy: recorded, never forwarded.
	kindListNotice
	// kindUnsubscribe is a roster member's "unsubscribe CAUCUS" mail.
	kindUnsubscribe
	// kindUnrouted is mail no rule routes and no token names: perhaps a
	// caucus reply that lost its token (the In-Reply-To fallback).
	kindUnrouted
)

// classified is a message's kind with what classifying it found out.
type classified struct {
	kind   mailKind
	token  token.Token // kindModeratorAnswer, kindCaucusReply, kindInviterAnswer
	caucus string      // kindUnsubscribe: the caucus to leave; kindListMail, kindListCopy, kindListNotice: whose list
	why    string      // kindBadToken: why the token was refused
}

// classify says what a message is. Without a keyring the gateway answers
// nothing: every message is the rules' to decide.
func (in *intake) classify(set *rules.Set, d rules.Decision, msg *inbound) classified {
	if in.tokens == nil {
		return classified{kind: kindForward}
	}
	if c, ok := classifyListMail(set, in.account, d, msg); ok {
		return c
	}
	switch {
	case d.NeverForwarded == rules.GuardDeliveryReport:
		return classified{kind: kindBounce}
	case d.NeverForwarded != "":
		return classified{kind: kindNotice}
	case d.Action == rules.Reply && d.ReplyToken != "":
		return in.classifyToken(d.ReplyToken)
	case d.Action != rules.None:
		if id := throughAnyList(set, msg); id != "" {
			return classified{kind: kindListMail, caucus: id}
		}
		return classified{kind: kindForward}
	}
	if id := unsubscribeRequest(set, msg); id != "" {
		return classified{kind: kindUnsubscribe, caucus: id}
	}
	return classified{kind: kindUnrouted}
}

// classifyToken opens the token a message came to. A token that does not
// open (forged, expired, another instance's key) is never forwarded.
func (in *intake) classifyToken(s string) classified {
	t, err := in.tokens.Open(s, in.now())
	if err != nil {
		return classified{kind: kindBadToken, why: fmt.Sprintf("addressed to a token that does not open (%v): not relayed", err)}
	}
	switch t.Kind {
	case token.Moderation:
		return classified{kind: kindModeratorAnswer, token: t}
	case token.Reply:
		return classified{kind: kindCaucusReply, token: t}
	case token.Answer:
		return classified{kind: kindInviterAnswer, token: t}
	}
	return classified{kind: kindBadToken, why: fmt.Sprintf("addressed to a %s token: nothing to do", t.Kind)}
}

// unsubscribeRequest is the caucus a roster member asks to leave by mail
// ("unsubscribe CAUCUS", the List-Unsubscribe mailto link), or "".
func unsubscribeRequest(set *rules.Set, msg *inbound) string {
	id, ok := unsubscribe.RequestedCaucus(msg.Facts.Subject)
	if !ok {
		return ""
	}
	c, ok := set.Caucus(id)
	from := msg.Facts.From
	if !ok || !slices.ContainsFunc(c.Members, func(m string) bool { return strings.EqualFold(m, from) }) {
		return ""
	}
	return c.ID
}
