package gateway

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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

// TestInvitersMailToACopysTokenIsNeverRelayedBack: the inviter writes to a
// copy's reply address (found in a relay, say). It is not a caucus reply:
// nothing reaches the inviter, and without require_auth its From cannot
// be believed, so it is held rather than sent to the caucus.
func TestInvitersMailToACopysTokenIsNeverRelayedBack(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	copyReplyTo := forwardedReplyTo(t, p)
	if err := p.world.Append("bureau@example.org", "INBOX", reply("Events <events@itu.int>", copyReplyTo, "Any news?", 5)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "events@itu.int")); n != 0 {
		t.Fatalf("the inviter's own mail was relayed back to them %d times", n)
	}
	if n := len(relayedTo(p, "caucus-gender@lists.example.net")); n != 1 {
		t.Errorf("the gender list got %d messages, want only the invitation (the unauthenticated mail is held)", n)
	}
	held, err := p.store.ListHeld(context.Background(), queue.HeldFilter{})
	if err != nil || len(held) != 1 {
		t.Fatalf("held: %d, %v; want the inviter's mail held for review", len(held), err)
	}
}

// TestRelayedReplyIsTagFreeAndNamed: a bureau member forwarded the
// invitation with a tag; the relayed reply's subject is "Re: " and the
// subject without tag or "Fwd:", its From "Name via Caucus", and under
// show_members: name the member's address appears nowhere.
func TestRelayedReplyIsTagFreeAndNamed(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	inv := "From: Alice <alice@bureau.example.org>\r\nTo: bureau@example.org\r\nSubject: Fwd: [caucus: gender] Call for inputs\r\n" +
		"Message-ID: <fwd-1@bureau.example.org>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"---------- Forwarded message ----------\r\nFrom: UN Events <events@un.org>\r\nSubject: Call for inputs\r\n\r\nPlease send inputs.\r\n"
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(inv)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	copies := relayedTo(p, "caucus-gender@lists.example.net")
	if len(copies) != 1 {
		t.Fatalf("the gender list got %d copies", len(copies))
	}
	h := readHeader(t, copies[0].Data)
	rt, err := h.AddressList("Reply-To")
	if err != nil || len(rt) != 1 {
		t.Fatalf("copy's Reply-To: %v %v", rt, err)
	}
	answer := strings.Replace(string(reply("Amina Diallo <amina@gender.example.net>", rt[0].Address, "We send Amina.", 3)),
		"In-Reply-To: <inv-7@example.com>", "In-Reply-To: <fwd-1@bureau.example.org>", 1)
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(answer)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	got := relayedTo(p, "events@un.org")
	if len(got) != 1 {
		t.Fatalf("the inviter got %d messages", len(got))
	}
	rh := readHeader(t, got[0].Data)
	if s, _ := rh.Subject(); s != "Re: Call for inputs" {
		t.Errorf("relayed Subject %q, want %q", s, "Re: Call for inputs")
	}
	from, err := rh.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Amina Diallo via Gender Caucus" || from[0].Address != "bureau@example.org" {
		t.Errorf("relayed From %v (%v), want \"Amina Diallo via Gender Caucus\" <bureau@example.org>", from, err)
	}
	if strings.Contains(string(got[0].Data), "amina@gender.example.net") {
		t.Errorf("the relay shows the member's address under show_members: name:\n%s", got[0].Data)
	}
}

// TestDailyCapEndsAPingPong: replies of one caucus about one invitation
// spread over a day, too slow for the 60-minute breaker window, are
// relayed up to replies.daily_cap (default 3); the next is held.
func TestDailyCapEndsAPingPong(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	clock := time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
	p.cfg.Now = func() time.Time { return clock }
	replyTo := forwardedReplyTo(t, p)
	for i := range 4 {
		clock = clock.Add(3 * time.Hour)
		if err := p.world.Append("bureau@example.org", "INBOX", reply("Gina <gina@gender.example.net>", replyTo, fmt.Sprintf("Answer %d", i), 40+i)); err != nil {
			t.Fatal(err)
		}
		p.runOnce()
	}
	if n := len(relayedTo(p, "events@itu.int")); n != 3 {
		t.Fatalf("the inviter got %d relays in a day, want 3 (the fourth held)", n)
	}
	held, err := p.store.ListPending(context.Background(), queue.PendingFilter{States: []queue.PendingState{queue.PendingHeld}})
	if err != nil || len(held) != 1 {
		t.Fatalf("held replies: %d, %v; want the fourth", len(held), err)
	}
}
