package gateway

import (
	"context"
	"slices"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// overlapAuthRules are overlapRules with require_auth: a roster member's
// token-less answer is then relayed at once.
var overlapAuthRules = strings.Replace(overlapRules, "bureau:\n  members: [alice@bureau.example.org]\n",
	"bureau:\n  members: [alice@bureau.example.org]\n  require_auth: dmarc\n  trusted_authserv: [mx.example.org]\n", 1)

// TestOverlappingRosterFallbackAnswersForEach: a member of two caucuses
// answers without the token (In-Reply-To the invitation, To the bureau);
// as through the token, her answer is relayed for every caucus her copy
// was sent for, unless its subject tags one; without require_auth, held
// for review for each.
func TestOverlappingRosterFallbackAnswersForEach(t *testing.T) {
	tests := []struct {
		name, rules, subject string
		want                 []string
		state                queue.PendingState // of every item: relayed, or held without require_auth
	}{
		{"untagged answer", overlapAuthRules, "Re: Invitation to the forum", []string{"climate", "youth"}, queue.PendingSent},
		{"tagged answer", overlapAuthRules, "Re: [caucus: youth] Invitation to the forum", []string{"youth"}, queue.PendingSent},
		{"untagged, without require_auth", overlapRules, "Re: Invitation to the forum", []string{"climate", "youth"}, queue.PendingHeld},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
			p.setRules(t, tt.rules)
			if err := p.world.Append("bureau@example.org", "INBOX", invitation(7, "events@itu.int", "Invitation to the forum")); err != nil {
				t.Fatal(err)
			}
			p.runOnce()
			answer := "Authentication-Results: mx.example.org; dmarc=pass header.from=example.net\r\n" +
				strings.Replace(string(reply("Amina <amina@example.net>", "bureau@example.org", "The Youth Caucus also sends a delegate.", 80)),
					"Subject: Re: Invitation to the forum", "Subject: "+tt.subject, 1)
			if err := p.world.Append("bureau@example.org", "INBOX", []byte(answer)); err != nil {
				t.Fatal(err)
			}
			p.runOnce()
			items, err := p.store.ListPending(context.Background(), queue.PendingFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				if it.Kind != queue.KindReply {
					continue
				}
				if it.State != tt.state {
					t.Errorf("caucus %s's item is %s, want %s", it.Caucus, it.State, tt.state)
				}
				got = append(got, it.Caucus)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("token-less answer relayed for %v, want %v", got, tt.want)
			}
		})
	}
}
