package gateway

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

const moderatedRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: caucus-gender@lists.example.net
bureau:
  moderators: [mod@bureau.example.org, mod2@bureau.example.org]
rules:
  - name: hold-unknown-senders
    when: {from: "*@unknown.example.com"}
    hold: true
  - name: consultations
    when: {subject: "(?i)consultation"}
    forward: [gender]
`

// moderationReplyTo returns the Reply-To of the moderation request a
// moderator got.
func moderationReplyTo(t *testing.T, p *pipeline, moderator string) string {
	t.Helper()
	for _, r := range relayedTo(p, moderator) {
		h := readHeader(t, r.Data)
		if list, err := h.AddressList("Reply-To"); err == nil && len(list) == 1 {
			return list[0].Address
		}
	}
	t.Fatalf("%s got no moderation request", moderator)
	return ""
}

func moderatorAnswer(from, to, first string, n int) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: Held for moderation\r\nMessage-ID: <mod-%d@bureau.example.org>\r\n\r\n%s\r\n\r\n> quoted request\r\n", from, to, n, first))
}

func TestModerationByEmail(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, moderatedRules)
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(3, "someone@unknown.example.com", "Regional consultation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "caucus-gender@lists.example.net")); n != 0 {
		t.Fatalf("a held message was forwarded %d times", n)
	}
	replyTo := moderationReplyTo(t, p, "mod@bureau.example.org")
	moderationReplyTo(t, p, "mod2@bureau.example.org")

	// A non-moderator's "approve" does nothing.
	if err := p.world.Append("bureau@example.org", "INBOX", moderatorAnswer("intruder@example.com", replyTo, "approve", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "caucus-gender@lists.example.net")); n != 0 {
		t.Fatalf("a non-moderator's approve forwarded the message")
	}
	held, err := p.store.ListHeld(context.Background(), queue.HeldFilter{States: []queue.HeldState{queue.HeldWaiting}})
	if err != nil || len(held) != 1 {
		t.Fatalf("held after the intruder: %v %v", held, err)
	}

	// The moderator's approval forwards it, once, and tells the other moderator.
	if err := p.world.Append("bureau@example.org", "INBOX", moderatorAnswer("Mod <mod@bureau.example.org>", replyTo, "Approve", 2)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	p.runOnce()
	if n := len(relayedTo(p, "caucus-gender@lists.example.net")); n != 1 {
		t.Fatalf("after approval the caucus got %d copies, want 1", n)
	}
	told := false
	for _, r := range relayedTo(p, "mod2@bureau.example.org") {
		told = told || strings.Contains(string(r.Data), "approved")
	}
	if !told {
		t.Error("the other moderator was not told of the approval")
	}
	h, err := p.store.GetHeld(context.Background(), held[0].ID)
	if err != nil || h.State != queue.HeldApproved || h.DecidedBy != "mod@bureau.example.org" {
		t.Fatalf("held record after approval: %+v %v", h, err)
	}
}
