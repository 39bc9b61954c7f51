package gateway

import (
	"context"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// authenticatedAs are the bureau provider's results saying that Gina's
// domain signed the message and DMARC passed for it.
const authenticatedAs = "Authentication-Results: mx.example.org; dkim=pass header.d=gender.example.net; dmarc=pass header.from=gender.example.net\r\n"

// TestForgedCopyDoesNotSuppressTheAuthenticatedAnswer: the same answer is
// keyed by its Message-ID and its authenticated sender. A copy with
// Gina's Message-ID, From and text that the trusted results do not
// authenticate must not suppress her authenticated answer, whichever
// batch it comes in; before the slot the authenticated one replaces it.
// An unauthenticated copy of an authenticated answer relayed already, and
// the authenticated answer arriving twice, are relayed once.
func TestForgedCopyDoesNotSuppressTheAuthenticatedAnswer(t *testing.T) {
	const body = "We send Amina."
	authentic := func(tok string) string { return authenticatedAs + directAnswer(tok, body) }
	forged := func(tok string) string { return directAnswer(tok, body) }
	tests := []struct {
		name     string
		arrivals func(token string) [][]string // batches of messages, in order
		schedule bool                          // the reply schedule is hourly: items wait
		relayed  int                           // times the inviter gets the text
	}{
		{"forged first, authenticated in a later batch", func(tok string) [][]string {
			return [][]string{{forged(tok)}, {authentic(tok)}}
		}, false, 2},
		{"forged first, authenticated in the same batch", func(tok string) [][]string {
			return [][]string{{forged(tok), authentic(tok)}}
		}, false, 1},
		{"forged first, authenticated before the slot", func(tok string) [][]string {
			return [][]string{{forged(tok)}, {authentic(tok)}}
		}, true, 1},
		{"authenticated first, forged later", func(tok string) [][]string {
			return [][]string{{authentic(tok)}, {forged(tok)}}
		}, false, 1},
		{"authenticated twice (token and Cc)", func(tok string) [][]string {
			return [][]string{{"Delivered-To: " + tok + "\r\n" + authentic(tok)}, {"Delivered-To: bureau@example.org\r\n" + authentic(tok)}}
		}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
			clock := time.Date(2026, 11, 24, 9, 10, 0, 0, time.UTC)
			p.cfg.Now = func() time.Time { return clock }
			ruleText := strings.Replace(testRules, "bureau:\n  members: [alice@bureau.example.org]\n", trustedRules, 1)
			if tt.schedule {
				ruleText = strings.Replace(ruleText, "rules:\n", "replies:\n  schedule: \"@every 1h\"\nrules:\n", 1)
			}
			p.setRules(t, ruleText)
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
			all := ""
			for _, g := range relayedTo(p, "events@itu.int") {
				all += string(g.Data)
			}
			if n := strings.Count(all, body); n != tt.relayed {
				t.Errorf("the inviter got the answer %d times, want %d", n, tt.relayed)
			}
			if !authenticatedAnswerRelayed(t, p) {
				t.Errorf("the authenticated answer was not relayed")
			}
		})
	}
}

// authenticatedAnswerRelayed says whether a reply item that was not
// dropped comes from a message carrying the authenticated results.
func authenticatedAnswerRelayed(t *testing.T, p *pipeline) bool {
	t.Helper()
	items, err := p.store.ListPending(context.Background(), queue.PendingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Kind != queue.KindReply || it.State == queue.PendingDropped {
			continue
		}
		raw, err := p.store.MessageRaw(context.Background(), it.MessageRef)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "dmarc=pass") {
			return it.State == queue.PendingSent
		}
	}
	return false
}
