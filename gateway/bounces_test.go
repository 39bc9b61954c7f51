package gateway

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

const rosterRules = `caucuses:
  - {id: education, name: Education Caucus, members: [ana@example.net, bo@example.net]}
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [education]
`

// dsn is a Postfix-shaped delivery status notification (RFC 3464) sent to
// the VERP address to, reporting that rcpt failed with status.
func dsn(to, rcpt, status string, n int) []byte {
	return []byte(fmt.Sprintf("From: MAILER-DAEMON@relay.example.net (Mail Delivery System)\r\nTo: %s\r\n"+
		"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-%d@relay.example.net>\r\n"+
		"Date: Mon, 23 Nov 2026 10:05:00 +0000\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"+
		"--r\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n"+
		"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example.net\r\n\r\n"+
		"Final-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: %s\r\nDiagnostic-Code: smtp; 550 %s user unknown\r\n"+
		"--r--\r\n", to, n, rcpt, status, status))
}

// verpOf returns the envelope sender of the copy rcpt got.
func verpOf(t *testing.T, p *pipeline, rcpt string) string {
	t.Helper()
	for _, r := range p.world.Received() {
		if len(r.To) == 1 && r.To[0] == rcpt {
			return r.From
		}
	}
	t.Fatalf("%s got no copy", rcpt)
	return ""
}

// lastVERPOf returns the envelope sender of the latest copy rcpt got.
func lastVERPOf(t *testing.T, p *pipeline, rcpt string) string {
	t.Helper()
	got := p.world.Received()
	for i := len(got) - 1; i >= 0; i-- {
		if len(got[i].To) == 1 && got[i].To[0] == rcpt {
			return got[i].From
		}
	}
	t.Fatalf("%s got no copy", rcpt)
	return ""
}

// TestBounceChargedToTheDeliveryMember: a report that comes back on ana's
// copy's VERP address but names bo (forged, or a forwarding address) is
// charged to ana, the member the token names, never to bo.
func TestBounceChargedToTheDeliveryMember(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, rosterRules)
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if err := p.world.Append("bureau@example.org", "INBOX", dsn(verpOf(t, p, "ana@example.net"), "bo@example.net", "5.1.1", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	counts, err := p.store.BounceCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0].Member != "ana@example.net" || counts[0].Hard != 1 {
		t.Errorf("bounces %+v, want one hard bounce charged to ana@example.net", counts)
	}
}

// TestExpiredVERPTokenIgnored: a report on a VERP token past its TTL and
// the grace period counts against nobody.
func TestExpiredVERPTokenIgnored(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, rosterRules)
	clock := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	p.cfg.Now = func() time.Time { return clock }
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	clock = clock.Add(bounceTokenTTL + 7*24*time.Hour + 48*time.Hour)
	if err := p.world.Append("bureau@example.org", "INBOX", dsn(verpOf(t, p, "ana@example.net"), "ana@example.net", "5.1.1", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	counts, err := p.store.BounceCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 0 {
		t.Errorf("bounces %+v, want none: the token had expired", counts)
	}
}

// TestBouncesDisableAddress: five hard bounces of ana's copies on five
// days disable ana (Mailman 3's threshold 5.0): the next forward gives her
// no copy, and she, the caucus moderator and notify are told once.
func TestBouncesDisableAddress(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, `caucuses:
  - {id: education, name: Education Caucus, members: [ana@example.net, bo@example.net], moderators: [mod@bureau.example.org]}
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [education]
`)
	p.cfg.Notify = "notify@bureau.example.org"
	clock := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	p.cfg.Now = func() time.Time { return clock }
	for i := 1; i <= 5; i++ {
		if err := p.world.Append("bureau@example.org", "INBOX", invitation(i, "events@itu.int", "Invitation")); err != nil {
			t.Fatal(err)
		}
		p.runOnce()
		verp := lastVERPOf(t, p, "ana@example.net")
		if err := p.world.Append("bureau@example.org", "INBOX", dsn(verp, "ana@example.net", "5.2.1", i)); err != nil {
			t.Fatal(err)
		}
		p.runOnce()
		clock = clock.Add(25 * time.Hour)
	}
	states, err := p.store.MemberStates(context.Background())
	if err != nil || len(states) != 1 || states[0].Address != "ana@example.net" || !states[0].Disabled || states[0].Score != 5 {
		t.Fatalf("member states %+v, %v; want ana disabled at 5", states, err)
	}
	before := len(p.world.Received())
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(9, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	for _, r := range p.world.Received()[before:] {
		if slices.Contains(r.To, "ana@example.net") {
			t.Fatal("a disabled address got a copy")
		}
	}
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	g.warnDisabled(context.Background())
	g.warnDisabled(context.Background()) // told once
	p.runOnce()
	for _, to := range []string{"ana@example.net", "mod@bureau.example.org", "notify@bureau.example.org"} {
		n := 0
		for _, r := range p.world.Received()[before:] {
			if slices.Contains(r.To, to) && strings.Contains(string(r.Data), "bounce") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s was told %d times of the disabling, want once", to, n)
		}
	}
}

// TestAdminMembers: the admin backend lists roster addresses with their
// bounce state and re-enables a disabled one.
func TestAdminMembers(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, rosterRules)
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		b := queue.Bounce{Member: "ana@example.net", Caucus: "education", Class: queue.BounceHard,
			At: at.Add(time.Duration(i) * 25 * time.Hour), Scoring: &queue.BounceScoring{}}
		if err := p.store.RecordBounce(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := g.AdminBackend()
	ms, err := b.Members(ctx)
	if err != nil || len(ms) != 2 || ms[0].Address != "ana@example.net" || !ms[0].Disabled || ms[0].Score != 5 ||
		!slices.Equal(ms[0].Caucuses, []string{"education"}) || ms[1].Disabled {
		t.Fatalf("members %+v, %v; want ana disabled at 5 in education, bo enabled", ms, err)
	}
	if err := b.EnableMember(ctx, "ana@example.net", "admin"); err != nil {
		t.Fatal(err)
	}
	if ms, _ := b.Members(ctx); ms[0].Disabled {
		t.Error("ana still disabled after enable")
	}
}
