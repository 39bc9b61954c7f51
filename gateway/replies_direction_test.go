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

// relayedReplyTo relays one gender caucus reply to the inviter and returns
// the relay's Reply-To.
func relayedReplyTo(t *testing.T, p *pipeline) string {
	t.Helper()
	copyReplyTo := forwardedReplyTo(t, p)
	if err := p.world.Append("bureau@example.org", "INBOX", reply("Gina Diallo <gina@gender.example.net>", copyReplyTo, "We will attend.", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	got := relayedTo(p, "events@itu.int")
	if len(got) != 1 {
		t.Fatalf("the inviter got %d messages, want the relayed reply", len(got))
	}
	h := readHeader(t, got[0].Data)
	list, err := h.AddressList("Reply-To")
	if err != nil || len(list) != 1 {
		t.Fatalf("Reply-To of the relayed reply: %v %v", list, err)
	}
	return list[0].Address
}

func inviterAnswer(to string, n int) []byte {
	return []byte(fmt.Sprintf("From: Events <events@itu.int>\r\nTo: %s\r\nSubject: Re: Invitation to the forum\r\nMessage-ID: <answer-%d@itu.int>\r\n"+
		"In-Reply-To: <reply-1@example.net>\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease send the name of your delegate.\r\n", to, n))
}

// TestInviterAnswersARelayedReply: the relayed reply's Reply-To is a token
// naming the invitation and the caucus, never the list's address; the
// inviter's answer to it reaches that caucus (and only it) as a forward,
// and is never relayed back to the inviter.
func TestInviterAnswersARelayedReply(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	replyTo := relayedReplyTo(t, p)
	if !strings.HasPrefix(replyTo, "bureau+") {
		t.Fatalf("relayed reply's Reply-To %q, want a token of the account (never the list address)", replyTo)
	}
	before := len(relayedTo(p, "caucus-gender@lists.example.net"))
	if err := p.world.Append("bureau@example.org", "INBOX", inviterAnswer(replyTo, 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	got := relayedTo(p, "caucus-gender@lists.example.net")
	if len(got) != before+1 {
		t.Fatalf("the gender list got %d new messages, want the inviter's answer once", len(got)-before)
	}
	if !strings.Contains(string(got[len(got)-1].Data), "Please send the name of your delegate.") {
		t.Errorf("the caucus's copy lacks the answer:\n%s", got[len(got)-1].Data)
	}
	if n := len(relayedTo(p, "caucus-education@lists.example.net")); n != 1 {
		t.Errorf("the education list got %d messages, want only the invitation", n)
	}
	if n := len(relayedTo(p, "events@itu.int")); n != 1 {
		t.Errorf("the inviter got %d messages, want only the relayed reply (its own answer never comes back)", n)
	}
}

// TestAnswerFromSomeoneElseIsHeld: a relayed reply's token used by anyone
// but its recipient is held for review, not forwarded.
func TestAnswerFromSomeoneElseIsHeld(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	replyTo := relayedReplyTo(t, p)
	before := len(relayedTo(p, "caucus-gender@lists.example.net"))
	stranger := strings.Replace(string(inviterAnswer(replyTo, 2)), "Events <events@itu.int>", "Mallory <m@evil.example>", 1)
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(stranger)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "caucus-gender@lists.example.net")) - before; n != 0 {
		t.Fatalf("a stranger's mail to the answer token reached the caucus %d times", n)
	}
	held, err := p.store.ListHeld(context.Background(), queue.HeldFilter{})
	if err != nil || len(held) != 1 {
		t.Fatalf("held: %d, %v; want the stranger's mail held for review", len(held), err)
	}
}
