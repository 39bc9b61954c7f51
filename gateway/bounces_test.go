package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
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
