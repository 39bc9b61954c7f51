package gateway

import (
	"context"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// listAnswer answers the invitation through the gender list: no token,
// In-Reply-To naming the invitation, the list's List-Id, and header
// fields before it (topmost first).
func listAnswer(from, top string) []byte {
	return []byte(top + "From: " + from + "\r\nTo: caucus-gender@lists.example.net\r\nSubject: Re: Invitation to the forum\r\n" +
		"List-Id: Gender Caucus <caucus-gender.lists.example.net>\r\nMessage-ID: <list-answer@example.net>\r\n" +
		"In-Reply-To: <inv-7@example.com>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\nWe will attend.\r\n")
}

const trustedRules = "bureau:\n  members: [alice@bureau.example.org]\n  trusted_authserv: [mx.example.org]\n"

func TestFallbackCountsOnlyAVouchedList(t *testing.T) {
	tests := []struct {
		name, top string
		relayed   bool
	}{
		{"forged List-Id, no results", "", false},
		{"forged List-Id, results of another authserv-id", "Authentication-Results: evil.example; dkim=pass header.d=lists.example.net\r\n", false},
		{"forged List-Id, dkim of another domain", "Authentication-Results: mx.example.org; dkim=pass header.d=evil.example\r\n", false},
		{"the list, dkim=pass for its domain", "Authentication-Results: mx.example.org; dkim=pass header.d=lists.example.net\r\n", true},
		{"the list, spf=pass for its envelope", "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=caucus-gender-bounces@lists.example.net\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
			p.setRules(t, strings.Replace(testRules, "bureau:\n  members: [alice@bureau.example.org]\n", trustedRules, 1))
			forwardedReplyTo(t, p)
			if err := p.world.Append("bureau@example.org", "INBOX", listAnswer("Mallory <m@evil.example>", tt.top)); err != nil {
				t.Fatal(err)
			}
			p.runOnce()
			if n := len(relayedTo(p, "events@itu.int")); (n == 1) != tt.relayed || n > 1 {
				t.Fatalf("the inviter got %d relays, want relayed=%v", n, tt.relayed)
			}
		})
	}
}

const answerRosterRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    members: [gina@gender.example.net, gabi@gender.example.net]
bureau:
  members: [alice@bureau.example.org]
rules:
  - name: itu-invitations
    when: {from: "*@itu.int"}
    forward: [gender]
`

// TestRosterFallbackWithoutRequireAuthIsHeld: a roster member's From can
// be forged without require_auth, so a token-less answer from it is held
// for review, never relayed directly; an outsider's is not relayed at all.
func TestRosterFallbackWithoutRequireAuthIsHeld(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, answerRosterRules)
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(7, "events@itu.int", "Invitation to the forum")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	for i, from := range []string{"gina@gender.example.net", "mallory@evil.example"} {
		if err := p.world.Append("bureau@example.org", "INBOX", reply(from, "bureau@example.org", "We will attend.", 60+i)); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	if n := len(relayedTo(p, "events@itu.int")); n != 0 {
		t.Fatalf("the inviter got %d relays of token-less answers, want none before review", n)
	}
	held, err := p.store.ListPending(context.Background(), queue.PendingFilter{States: []queue.PendingState{queue.PendingHeld}})
	if err != nil || len(held) != 1 {
		t.Fatalf("held replies: %d, %v; want the member's, not the outsider's", len(held), err)
	}
}

// TestReplyAllIsRelayedOnce: a reply-all to the copy's token with the
// bureau in Cc lands twice in the mailbox (with its Delivered-To each);
// the answer is relayed once, whether both arrive in one batch or not.
func TestReplyAllIsRelayedOnce(t *testing.T) {
	for _, together := range []bool{true, false} {
		t.Run(map[bool]string{true: "one batch", false: "two batches"}[together], func(t *testing.T) {
			p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
			replyTo := forwardedReplyTo(t, p)
			base := strings.Replace(string(reply("Gina <gina@gender.example.net>", replyTo, "We will attend.", 70)),
				"\r\nSubject:", "\r\nCc: bureau@example.org\r\nSubject:", 1)
			for i, to := range []string{replyTo, "bureau@example.org"} {
				if err := p.world.Append("bureau@example.org", "INBOX", []byte("Delivered-To: "+to+"\r\n"+base)); err != nil {
					t.Fatal(err)
				}
				if !together || i == 1 {
					p.runOnce()
				}
			}
			got := relayedTo(p, "events@itu.int")
			if len(got) != 1 || strings.Count(string(got[0].Data), "We will attend.") != 1 {
				t.Fatalf("the inviter got %d messages; want the answer once", len(got))
			}
		})
	}
}
