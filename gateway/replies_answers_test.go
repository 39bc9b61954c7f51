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

// threadMail is a message in the thread of invitation 7: to and cc as
// given, answering inReplyTo, with References naming the invitation
// first, as every member's reply down the thread does.
func threadMail(from, to, cc, inReplyTo string, n int, body string) []byte {
	h := fmt.Sprintf("From: %s\r\nTo: %s\r\n", from, to)
	if cc != "" {
		h += "Cc: " + cc + "\r\n"
	}
	return []byte(h + fmt.Sprintf("Subject: Re: Invitation to the forum\r\nMessage-ID: <thread-%d@example.net>\r\n"+
		"In-Reply-To: %s\r\nReferences: <inv-7@example.com> %s\r\nDate: Tue, 24 Nov 2026 11:00:00 +0000\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", n, inReplyTo, inReplyTo, body))
}

// responderRules make gabi a responder (focal point) of the gender caucus.
func responderRules() string {
	return strings.Replace(testRules, "    tags: [gender]\n", "    tags: [gender]\n    responders: [gabi@gender.example.net]\n", 1)
}

// TestAnswersVersusDiscussion: an answer names a copy's token in To, or
// answers the copy itself, or comes from a responder naming the token in
// To or Cc; anything else naming the token only in Cc (a member's
// reply-all to another member's post) is held for review, never relayed
// at once and never dropped.
func TestAnswersVersusDiscussion(t *testing.T) {
	const gina, gabi = "Gina <gina@gender.example.net>", "Gabi <gabi@gender.example.net>"
	const other = "<post-1@gender.example.net>" // another member's list post
	tests := []struct {
		name                  string
		from, to, cc, replyTo string // TOKEN stands for the copy's reply address
		relayed, held         int
	}{
		{"token in To, answering another member", gina, "TOKEN", "caucus-gender@lists.example.net", other, 1, 0},
		{"token in Cc, answering the copy", gina, "caucus-gender@lists.example.net", "TOKEN", "<inv-7@example.com>", 1, 0},
		{"a responder, token in Cc down the thread", gabi, "caucus-gender@lists.example.net", "TOKEN", other, 1, 0},
		{"a member, token only in Cc down the thread", gina, "caucus-gender@lists.example.net", "TOKEN", other, 0, 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
			p.setRules(t, responderRules())
			token := forwardedReplyTo(t, p)
			m := threadMail(tt.from, strings.ReplaceAll(tt.to, "TOKEN", token), strings.ReplaceAll(tt.cc, "TOKEN", token), tt.replyTo, i, "Our view.")
			if err := p.world.Append("bureau@example.org", "INBOX", m); err != nil {
				t.Fatal(err)
			}
			p.runOnce()
			if n := len(relayedTo(p, "events@itu.int")); n != tt.relayed {
				t.Errorf("the inviter got %d relays, want %d", n, tt.relayed)
			}
			held, err := p.store.ListPending(context.Background(), queue.PendingFilter{States: []queue.PendingState{queue.PendingHeld}})
			if err != nil || len(held) != tt.held {
				t.Errorf("held replies %d (%v), want %d", len(held), err, tt.held)
			}
		})
	}
}

// TestUnclearAnswerIsShownAndReleasedInOneClick: the held unclear case is
// on the admin page's held replies with its reason, and one release
// relays it to the inviter as an answer.
func TestUnclearAnswerIsShownAndReleasedInOneClick(t *testing.T) {
	ctx := context.Background()
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	token := forwardedReplyTo(t, p)
	m := threadMail("Gina <gina@gender.example.net>", "Gabi <gabi@gender.example.net>", token, "<post-1@gender.example.net>", 1, "Travel costs worry me.")
	if err := p.world.Append("bureau@example.org", "INBOX", m); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := g.AdminBackend()
	held, err := b.HeldReplies(ctx)
	if err != nil || len(held) != 1 {
		t.Fatalf("held replies %+v, %v; want the unclear one", held, err)
	}
	if !strings.Contains(held[0].Reason, "only in Cc") {
		t.Errorf("held reply's reason %q does not say why it is unclear", held[0].Reason)
	}
	if n := len(relayedTo(p, "events@itu.int")); n != 0 {
		t.Fatalf("the unclear case was relayed %d times before review", n)
	}
	if err := b.ReleaseReply(ctx, held[0].ID, "admin"); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	got := relayedTo(p, "events@itu.int")
	if len(got) != 1 || !strings.Contains(string(got[0].Data), "Travel costs worry me.") {
		t.Fatalf("after release the inviter got %d relays, want the answer once", len(got))
	}
}

// TestListDiscussionDownTheThreadIsNotAnAnswer: through the caucus's own
// (vouched) list, a reply to another member's post whose References name
// the invitation is discussion: never relayed.
func TestListDiscussionDownTheThreadIsNotAnAnswer(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, strings.Replace(testRules, "bureau:\n  members: [alice@bureau.example.org]\n", trustedRules, 1))
	forwardedReplyTo(t, p)
	m := "Authentication-Results: mx.example.org; dkim=pass header.d=lists.example.net\r\n" +
		"List-Id: Gender Caucus <caucus-gender.lists.example.net>\r\n" +
		string(threadMail("Gina <gina@gender.example.net>", "caucus-gender@lists.example.net", "", "<post-1@gender.example.net>", 1, "Internal doubts."))
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(m)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "events@itu.int")); n != 0 {
		t.Fatalf("the caucus's internal discussion reached the inviter %d times", n)
	}
}
