package gateway

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
	"caucusgate/rules"
)

// smuggled is an invitation whose body holds the SMTP smuggling sequence
// of the 2023 research: bare CRs around a dot, then a second transaction.
const smuggled = "From: events@itu.int\r\nTo: bureau@example.org\r\nSubject: Invitation\r\n" +
	"Message-ID: <smuggle@itu.int>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n" +
	"A\r.\rMAIL FROM:<x@bank.example>\r\nRCPT TO:<victim@example.net>\r\n"

// TestStrayBytesAreReencodedInResend: in resend mode the copies reach the
// relay with the body re-encoded, and no bare CR, bare LF or NUL.
func TestStrayBytesAreReencodedInResend(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(smuggled)); err != nil {
		t.Fatal(err)
	}
	s := p.runOnce()
	got := p.world.Received()
	if s.Decisions["forward"] != 1 || len(got) != 2 {
		t.Fatalf("decisions %v, sent %d: want it forwarded to two caucuses", s.Decisions, len(got))
	}
	for _, r := range got {
		if bytes.Contains(r.Data, []byte("\r.\r")) || bytes.Count(r.Data, []byte("\r")) != bytes.Count(r.Data, []byte("\r\n")) {
			t.Fatalf("a bare CR reached the relay:\n%q", r.Data)
		}
		if !bytes.Contains(r.Data, []byte("A=0D.=0DMAIL FROM:<x@bank.example>")) {
			t.Fatalf("body not re-encoded:\n%q", r.Data)
		}
	}
}

// TestStrayBytesAreHeldInEncapsulate: encapsulate carries the original's
// bytes, which it cannot re-encode: the message is held with the reason.
func TestStrayBytesAreHeldInEncapsulate(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	set, diags := rules.Parse("rules.yaml", []byte(testRules+"forwarding:\n  mode: encapsulate\n"))
	if diags.HasErrors() {
		t.Fatalf("rules: %v", diags)
	}
	p.cfg.Rules = NewRulesHolder(set)
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(smuggled)); err != nil {
		t.Fatal(err)
	}
	s := p.runOnce()
	if s.Decisions["hold"] != 1 || len(p.world.Received()) != 0 {
		t.Fatalf("decisions %v, sent %d: want it held and nothing sent", s.Decisions, len(p.world.Received()))
	}
	msgs, err := p.store.ListMessages(context.Background(), queue.MessageFilter{})
	if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0].Reason, "bare CR in the body") ||
		!strings.Contains(msgs[0].Reason, "encapsulate") {
		t.Fatalf("stored %+v %v", msgs, err)
	}
}
