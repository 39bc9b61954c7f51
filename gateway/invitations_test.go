package gateway

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// TestInvitationTrackedToItsAnswers: an invitation with a deadline in its
// text goes to two caucuses; one answers; the store knows the deadline,
// where it came from, both caucuses and the one answer, relayed.
func TestInvitationTrackedToItsAnswers(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	body := strings.Replace(string(invitation(7, "events@itu.int", "Invitation to the forum")),
		"you are invited (7).", "The forum will be held in Geneva on 2 March 2027.\r\nDeadline for registration: 15 January.", 1)
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(body)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	replyTo := ""
	for _, r := range relayedTo(p, "caucus-gender@lists.example.net") {
		h := readHeader(t, r.Data)
		list, _ := h.AddressList("Reply-To")
		replyTo = list[0].Address
	}
	if err := p.world.Append("bureau@example.org", "INBOX", reply("gina@gender.example.net", replyTo, "We will attend.", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()

	ctx := context.Background()
	list, err := p.store.ListInvitations(ctx, queue.InvitationFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("invitations %+v, %v; want one", list, err)
	}
	inv := list[0]
	// The message's Date (23 November 2026) anchors the yearless deadline.
	if got := inv.Deadline.At.Format("2006-01-02"); got != "2027-01-15" || inv.Deadline.Source != "text" ||
		!strings.Contains(inv.Deadline.Phrase, "15 January") {
		t.Errorf("deadline %s from %q (%q)", got, inv.Deadline.Source, inv.Deadline.Phrase)
	}
	if got := inv.Event.At.Format("2006-01-02"); got != "2027-03-02" {
		t.Errorf("event %s", got)
	}
	if inv.Inviter != "events@itu.int" || inv.Subject != "Invitation to the forum" {
		t.Errorf("inviter %q subject %q", inv.Inviter, inv.Subject)
	}
	if len(inv.Caucuses) != 2 {
		t.Fatalf("caucuses %+v", inv.Caucuses)
	}
	edu, gender := inv.Caucuses[0], inv.Caucuses[1]
	if edu.Answers != 0 || edu.Sent != 1 || gender.Answers != 1 || gender.Relayed != 1 || gender.Sent != 1 {
		t.Errorf("education %+v, gender %+v", edu, gender)
	}
	msg, err := p.store.GetMessage(ctx, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	var tr traceRecord
	if err := json.Unmarshal(msg.Trace, &tr); err != nil || tr.Invitation == nil || tr.Invitation.Deadline == nil ||
		tr.Invitation.Deadline.Phrase == "" {
		t.Errorf("trace lacks the deadline and its phrase: %s (%v)", msg.Trace, err)
	}
}

// TestInvitationDeadlineTagFromMemberOnly: a bureau member's deadline tag
// sets the deadline; the same tag from an outsider does not.
func TestInvitationDeadlineTagFromMemberOnly(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.cfg.Now = func() time.Time { return time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC) }
	member := invitation(1, "alice@bureau.example.org", "[caucus: gender] [deadline: 2027-01-10] Consultation")
	outsider := invitation(2, "events@itu.int", "Invitation [deadline: 2027-01-10]")
	for _, m := range [][]byte{member, outsider} {
		if err := p.world.Append("bureau@example.org", "INBOX", m); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	list, err := p.store.ListInvitations(context.Background(), queue.InvitationFilter{})
	if err != nil || len(list) != 2 {
		t.Fatalf("invitations %+v, %v", list, err)
	}
	for _, inv := range list {
		tagged := inv.Deadline.Source == "tag" && inv.Deadline.At.Format("2006-01-02") == "2027-01-10"
		fromMember := inv.MessageID == "inv-1@example.com"
		if tagged != fromMember {
			t.Errorf("%s: deadline %v from %q", inv.MessageID, inv.Deadline.At, inv.Deadline.Source)
		}
		if strings.Contains(inv.Subject, "[") {
			t.Errorf("subject %q keeps a tag", inv.Subject)
		}
	}
}

// TestHeldInvitationListedOnceApproved: a held message is an invitation
// only once an approval forwards it.
func TestHeldInvitationListedOnceApproved(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, strings.Replace(testRules, "rules:\n", "rules:\n  - name: hold-unesco\n    when: {from: \"*@unesco.org\"}\n    hold: true\n", 1))
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(3, "events@unesco.org", "Consultation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	ctx := context.Background()
	if list, err := p.store.ListInvitations(ctx, queue.InvitationFilter{}); err != nil || len(list) != 0 {
		t.Fatalf("before approval: %+v %v", list, err)
	}
	held, err := p.store.ListHeld(ctx, queue.HeldFilter{})
	if err != nil || len(held) != 1 {
		t.Fatalf("held %+v %v", held, err)
	}
	if _, err := NewModeration(p.store, p.cfg.Rules, p.cfg.Accounts, nil).Approve(ctx, held[0].ID, "test"); err != nil {
		t.Fatal(err)
	}
	list, err := p.store.ListInvitations(ctx, queue.InvitationFilter{})
	if err != nil || len(list) != 1 || len(list[0].Caucuses) != 1 || list[0].Caucuses[0].Caucus != "education" {
		t.Fatalf("after approval: %+v %v", list, err)
	}
}
