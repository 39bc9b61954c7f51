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

const overlapRules = `
caucuses:
  - {id: climate, name: Climate Caucus, members: [amina@example.net, bo@example.net]}
  - {id: youth, name: Youth Caucus, members: [amina@example.net, cy@example.net]}
bureau:
  members: [alice@bureau.example.org]
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [climate, youth]
`

// TestOverlappingRosters: a member of two caucuses gets one copy, with
// the first caucus's List-Id and unsubscribe link and a field naming
// both; her answer is relayed for both, unless it tags one.
func TestOverlappingRosters(t *testing.T) {
	tests := []struct {
		name, subject string
		want          []string
	}{
		{"untagged answer", "Re: Invitation to the forum", []string{"climate", "youth"}},
		{"tagged answer", "Re: [caucus: youth] Invitation to the forum", []string{"youth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
			p.setRules(t, overlapRules)
			if err := p.world.Append("bureau@example.org", "INBOX", invitation(7, "events@itu.int", "Invitation to the forum")); err != nil {
				t.Fatal(err)
			}
			p.runOnce()
			copies := relayedTo(p, "amina@example.net")
			if len(copies) != 1 {
				t.Fatalf("amina got %d copies, want one", len(copies))
			}
			h := readHeader(t, copies[0].Data)
			if got := h.Get("List-Id"); !strings.Contains(got, "<climate.") {
				t.Errorf("List-Id %q, want the first caucus's alone", got)
			}
			if got := h.Get("X-Caucus-Caucuses"); got != "climate, youth" {
				t.Errorf("X-Caucus-Caucuses %q, want both caucuses", got)
			}
			if lu := h.Values("List-Unsubscribe"); len(lu) != 1 || strings.Contains(lu[0], "youth") {
				t.Errorf("List-Unsubscribe %q, want the first caucus's one", lu)
			}
			rt, err := h.AddressList("Reply-To")
			if err != nil || len(rt) != 1 {
				t.Fatalf("Reply-To %v %v", rt, err)
			}
			answer := strings.Replace(string(reply("Amina <amina@example.net>", rt[0].Address, "The Youth Caucus also sends a delegate.", 1)),
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
				if it.Kind == queue.KindReply {
					got = append(got, it.Caucus)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("answer relayed for %v, want %v", got, tt.want)
			}
		})
	}
}
