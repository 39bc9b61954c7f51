package gateway

import (
	"context"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

// TestListCopyAddressedToTheList: a copy to a list caucus is To the list,
// the original To and Cc kept in fields of our own, From the account's
// even with from_rewrite: never, and sent from the caucus's fixed VERP
// envelope, the same for every forward (issue 10, "Copies to a list").
func TestListCopyAddressedToTheList(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, strings.Replace(testRules, "rules:\n", "forwarding:\n  from_rewrite: never\nrules:\n", 1))
	for i := range 2 {
		if err := p.world.Append("bureau@example.org", "INBOX", invitation(i, "events@itu.int", "Invitation")); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	copies := relayedTo(p, "caucus-gender@lists.example.net")
	if len(copies) != 2 {
		t.Fatalf("gender got %d copies, want 2", len(copies))
	}
	for _, r := range copies {
		if r.From != "bureau+list-gender@example.org" {
			t.Errorf("envelope sender %q, want the caucus's fixed bureau+list-gender@example.org", r.From)
		}
		h := readHeader(t, r.Data)
		if got := h.Values("To"); len(got) != 1 || got[0] != "caucus-gender@lists.example.net" {
			t.Errorf("To = %q, want the list alone", got)
		}
		if got := h.Get("X-Caucus-Original-To"); got != "bureau@example.org" {
			t.Errorf("X-Caucus-Original-To = %q, want the original To", got)
		}
		if got := h.Get("X-Original-To"); got != "" {
			t.Errorf("X-Original-To = %q: that field is Postfix's", got)
		}
		if got := h.Get("From"); !strings.HasSuffix(got, "<bureau@example.org>") || !strings.Contains(got, "via Gender Caucus") {
			t.Errorf("From = %q, want \"Sender N via Gender Caucus\" <bureau@example.org> whatever from_rewrite says", got)
		}
		if got := h.Get("X-Original-From"); !strings.Contains(got, "events@itu.int") {
			t.Errorf("X-Original-From = %q, want the original From", got)
		}
	}
}

// TestListBounceRecordedAgainstTheCaucus: a report from the list's server
// to the caucus's list envelope is recorded against the caucus, not a
// member, adds to nobody's score, and is never forwarded.
func TestListBounceRecordedAgainstTheCaucus(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, testRules)
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	sent := len(p.world.Received())
	report := dsn("bureau+list-gender@example.org", "caucus-gender@lists.example.net", "5.7.1", 1)
	if err := p.world.Append("bureau@example.org", "INBOX", report); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if got := p.world.Received()[sent:]; len(got) != 0 {
		t.Errorf("the list's report was sent on to %v; it must never be forwarded", got[0].To)
	}
	counts, err := p.store.BounceCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0].Caucus != "gender" || counts[0].Member != "caucus-gender@lists.example.net" || counts[0].Hard != 1 {
		t.Errorf("bounces %+v, want one hard bounce of the gender caucus's list", counts)
	}
	states, err := p.store.MemberStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 0 {
		t.Errorf("member states %+v: a list's bounce scores no member", states)
	}
}

// TestListEnvelopeMailNeverForwarded: mail to a list caucus's envelope
// that is no delivery report (a list server's notice, or a forged message
// the rules would match) is never forwarded.
func TestListEnvelopeMailNeverForwarded(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, testRules)
	notice := strings.Replace(string(invitation(7, "events@itu.int", "Invitation")), "To: bureau@example.org", "To: bureau+list-gender@example.org", 1)
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(notice)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if got := p.world.Received(); len(got) != 0 {
		t.Errorf("mail to the list envelope was sent on to %v; it must never be forwarded", got[0].To)
	}
}
