package gateway

import (
	"slices"
	"strings"

	invitations "caucusgate/gateway/invitation"
	"caucusgate/queue"
	"caucusgate/rules"
)

// invitation reads a message that goes (or, held, may go) to caucuses as an
// invitation: its inviter, tag-free subject and dates. It runs before the
// store transaction (the date search is CPU work); nil for other mail.
func (in *intake) invitation(set *rules.Set, d rules.Decision, msg *inbound, raw []byte) (*queue.NewInvitation, *invitations.Trace) {
	if in.invitations == nil || !tracked(d) {
		return nil, nil
	}
	inv, trace := in.invitations.Read(invitations.Message{Raw: raw, Subject: set.StripTag(msg.Facts.Subject),
		Inviter: inviterFor(set, msg), Received: in.now(), TagTrusted: mayTagDeadline(set, msg)})
	return &inv, &trace
}

// tracked says a decision makes an invitation: a forward to caucuses, or a
// hold (an approval may forward it; only then is it listed).
func tracked(d rules.Decision) bool {
	return (d.Action == rules.Forward && len(d.Caucuses) > 0) || d.Action == rules.Hold
}

// inviterFor is who answers go back to, as replies.relay_to resolves it.
func inviterFor(set *rules.Set, msg *inbound) string {
	switch r := set.Replies().RelayTo; r {
	case "", "sender":
		return inviterOf(msg, set.Bureau().Members)
	case "bureau":
		return strings.Join(set.Bureau().Members, ", ")
	default:
		return r
	}
}

// mayTagDeadline says the sender may set a deadline by subject tag: an
// authenticated bureau member, as for routing tags.
func mayTagDeadline(set *rules.Set, msg *inbound) bool {
	if !slices.Contains(set.Bureau().Members, strings.ToLower(msg.Facts.From)) {
		return false
	}
	ok, _ := set.SenderAuthenticated(&msg.Facts)
	return ok
}
