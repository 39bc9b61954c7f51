package gateway

import (
	"context"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

// TestOverlappingRosterBounceChargedOnce: a member of two caucuses gets
// one copy of a message sent to both; a report of that copy failing is
// one bounce of her address, not one per caucus: one recorded bounce, a
// score of one.
func TestOverlappingRosterBounceChargedOnce(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, overlapRules)
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(7, "events@itu.int", "Invitation to the forum")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "amina@example.net")); n != 1 {
		t.Fatalf("amina got %d copies, want one", n)
	}
	if err := p.world.Append("bureau@example.org", "INBOX", dsn(verpOf(t, p, "amina@example.net"), "amina@example.net", "5.1.1", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	counts, err := p.store.BounceCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range counts {
		if c.Member != "amina@example.net" {
			t.Errorf("bounce charged to %s (caucus %s), want amina only", c.Member, c.Caucus)
		}
		total += c.Hard + c.Soft + c.Policy
	}
	if total != 1 {
		t.Errorf("amina's one failed copy counted %d times (%+v), want once", total, counts)
	}
	states, err := p.store.MemberStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 || states[0].Address != "amina@example.net" || states[0].Score != 1 {
		t.Errorf("member states %+v, want amina with a score of 1", states)
	}
}
