package gateway

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"caucusgate/gateway/compose"
	"caucusgate/gateway/imapwatch"
	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
	"caucusgate/rules"
)

func mustRules(t *testing.T, src string) *rules.Set {
	t.Helper()
	set, diags := rules.Parse("rules.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("rules: %v", diags)
	}
	return set
}

// signedMessage is a message signed for ngo.example with a fresh key, and
// the DNS records that publish the key.
func signedMessage(t *testing.T, subject string) ([]byte, txtRecords) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := "From: Ana <ana@ngo.example>\r\nTo: bureau@example.org\r\nSubject: " + subject +
		"\r\nMessage-ID: <s1@ngo.example>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\nPlease forward.\r\n"
	var signed bytes.Buffer
	if err := dkim.Sign(&signed, strings.NewReader(msg), &dkim.SignOptions{Domain: "ngo.example", Selector: "s1", Signer: priv}); err != nil {
		t.Fatal(err)
	}
	return signed.Bytes(), txtRecords{"s1._domainkey.ngo.example": "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}
}

// TestVerifyLocal: under verify: local the gateway verifies DKIM itself,
// with its DNS look-ups injected, and a member's tag routes only when the
// signature holds.
func TestVerifyLocal(t *testing.T) {
	set := mustRules(t, "caucuses:\n  - {id: gender, address: g@example.org}\nbureau:\n  members: [ana@ngo.example]\n  require_auth: dkim\n  verify: local\n")
	raw, dns := signedMessage(t, "[caucus: gender] Consultation")
	tampered := bytes.Replace(raw, []byte("Please forward."), []byte("Pay this invoice."), 1)
	for _, tc := range []struct {
		name  string
		raw   []byte
		dns   txtRecords
		route bool
	}{
		{"signed", raw, dns, true},
		{"body changed", tampered, dns, false},
		{"no key published", raw, txtRecords{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := parseInbound(tc.raw)
			authenticate(context.Background(), tc.dns, nil, set, msg, tc.raw)
			d := decide(set, msg, Account{Address: "bureau@example.org"}, imapwatch.Message{Raw: tc.raw})
			if (d.Action == rules.Forward) != tc.route {
				t.Errorf("routed = %v, want %v: %s", d.Action == rules.Forward, tc.route, d.Trace.Tag.Why)
			}
		})
	}
}

// TestHoldDMARCFail: with forwarding.hold_dmarc_fail, mail whose trusted
// result is dmarc=fail for a domain publishing p=reject is held, whatever
// a forged field lower down says; p=none is forwarded.
func TestHoldDMARCFail(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "rules", "testdata", "auth", "gmail-forged.eml"))
	if err != nil {
		t.Fatal(err)
	}
	src := "caucuses:\n  - {id: gender, address: g@example.org}\nbureau:\n  require_auth: dmarc\n  trusted_authserv: [mx.google.com]\n" +
		"forwarding:\n  hold_dmarc_fail: %s\nrules:\n  - name: ngo\n    when: {from: \"*@ngo.example\", subject: \"(?i)bank\"}\n    forward: [gender]\n"
	for _, tc := range []struct {
		name, on, policy string
		want             rules.Action
	}{
		{"p=reject", "true", "v=DMARC1; p=reject", rules.Hold},
		{"p=quarantine", "true", "v=DMARC1; p=quarantine", rules.Hold},
		{"p=none", "true", "v=DMARC1; p=none", rules.Forward},
		{"off", "false", "v=DMARC1; p=reject", rules.Forward},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := mustRules(t, strings.Replace(src, "%s", tc.on, 1))
			dmarc := compose.NewDMARC(txtRecords{"_dmarc.ngo.example": tc.policy}, time.Now, time.Minute)
			msg := parseInbound(raw)
			authenticate(context.Background(), nil, dmarc, set, msg, raw)
			if d := decide(set, msg, Account{Address: "bureau@gmail.com"}, imapwatch.Message{Raw: raw}); d.Action != tc.want {
				t.Errorf("action = %s (%s), want %s", d.Action, d.Reason, tc.want)
			}
		})
	}
}

// TestUnsubscribeByMailTrustsOnlyTheProvider: an "unsubscribe" request
// whose provider's own results say dmarc=fail takes nobody off a roster,
// whatever a field the sender wrote lower down says; the provider's pass
// does.
func TestUnsubscribeByMailTrustsOnlyTheProvider(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, `caucuses:
  - {id: education, name: Education Caucus, members: [ana@example.net, bo@example.net]}
bureau:
  require_auth: dmarc
  trusted_authserv: [mx.example.org]
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [education]
`)
	request := func(id, provider, forged string) []byte {
		return []byte("Received: from mx.example.net by mx.example.org\r\nAuthentication-Results: mx.example.org; " + provider +
			"\r\nAuthentication-Results: mx.example.org; " + forged +
			"\r\nFrom: Ana <ana@example.net>\r\nTo: bureau@example.org\r\nSubject: unsubscribe education\r\nMessage-ID: <" + id + "@example.net>\r\n\r\n\r\n")
	}
	steps := []struct {
		msg  []byte
		want int // copies ana has after the step
	}{
		{invitation(1, "events@itu.int", "First"), 1},
		{request("forged", "dmarc=fail header.from=example.net", "dmarc=pass header.from=example.net"), 1},
		{invitation(2, "events@itu.int", "Second"), 2},
		{request("genuine", "dmarc=pass header.from=example.net", "none"), 2},
		{invitation(3, "events@itu.int", "Third"), 2},
	}
	for i, s := range steps {
		if err := p.world.Append("bureau@example.org", "INBOX", s.msg); err != nil {
			t.Fatal(err)
		}
		p.runOnce()
		if n := len(relayedTo(p, "ana@example.net")); n != s.want {
			t.Fatalf("step %d: ana has %d copies, want %d", i, n, s.want)
		}
	}
	if n := len(relayedTo(p, "bo@example.net")); n != 3 {
		t.Errorf("bo has %d copies, want 3", n)
	}
}
