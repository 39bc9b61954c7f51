package gateway

import (
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

const listFooter = "\r\n_______________________________________________\r\nGender Caucus mailing list -- caucus-gender@lists.example.net\r\n"

// directAnswer is Gina's reply-all: To the copy's token, Cc the list.
func directAnswer(token, body string) string {
	return "From: Gina <gina@gender.example.net>\r\nTo: " + token + "\r\nCc: caucus-gender@lists.example.net\r\n" +
		"Subject: Re: Invitation to the forum\r\nMessage-ID: <dup-1@gender.example.net>\r\nIn-Reply-To: <inv-7@example.com>\r\n" +
		"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
}

// throughTheList is the list's copy of a message: its List-Id, and its
// footer after the body.
func throughTheList(m string) string {
	return "List-Id: Gender Caucus <caucus-gender.lists.example.net>\r\n" + m + listFooter
}

// TestTheSameAnswerIsRelayedOnce: an answer that arrives directly and
// back through the list is relayed once, the direct copy (without the
// list's footer) whichever arrives first; the same Message-ID and sender
// with a body that differs beyond a footer is a second answer.
func TestTheSameAnswerIsRelayedOnce(t *testing.T) {
	const body = "We send Amina."
	tests := []struct {
		name     string
		arrivals func(token string) [][]string // batches of messages, in order
		schedule bool                          // the reply schedule is hourly: items wait
		relayed  []string                      // bodies the inviter gets, in one message or a digest
		messages int
	}{
		{"list copy first, same batch", func(tok string) [][]string {
			return [][]string{{throughTheList(directAnswer(tok, body)), directAnswer(tok, body)}}
		}, false, []string{body}, 1},
		{"list copy first, direct in a later batch before the slot", func(tok string) [][]string {
			return [][]string{{throughTheList(directAnswer(tok, body))}, {directAnswer(tok, body)}}
		}, true, []string{body}, 1},
		{"direct first, list copy later", func(tok string) [][]string {
			return [][]string{{directAnswer(tok, body)}, {throughTheList(directAnswer(tok, body))}}
		}, false, []string{body}, 1},
		{"same Message-ID and sender, another text", func(tok string) [][]string {
			return [][]string{{directAnswer(tok, body)}, {directAnswer(tok, "Correction: we send Bintou.")}}
		}, false, []string{body, "Correction: we send Bintou."}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
			clock := time.Date(2026, 11, 24, 9, 10, 0, 0, time.UTC)
			p.cfg.Now = func() time.Time { return clock }
			if tt.schedule {
				p.setRules(t, strings.Replace(testRules, "rules:\n", "replies:\n  schedule: \"@every 1h\"\nrules:\n", 1))
			}
			token := forwardedReplyTo(t, p)
			for _, batch := range tt.arrivals(token) {
				for _, m := range batch {
					if err := p.world.Append("bureau@example.org", "INBOX", []byte(m)); err != nil {
						t.Fatal(err)
					}
				}
				p.runOnce()
			}
			clock = clock.Add(2 * time.Hour)
			p.runOnce()
			got := relayedTo(p, "events@itu.int")
			if len(got) != tt.messages {
				t.Fatalf("the inviter got %d messages, want %d", len(got), tt.messages)
			}
			all := ""
			for _, g := range got {
				all += string(g.Data)
			}
			for _, want := range tt.relayed {
				if n := strings.Count(all, want); n != 1 {
					t.Errorf("%q relayed %d times, want once", want, n)
				}
			}
			if strings.Contains(all, "mailing list --") {
				t.Errorf("the list's copy, footer and all, was relayed rather than the direct one:\n%s", all)
			}
		})
	}
}
