package bounce

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/token"
	"caucusgate/internal/mailstack"
)

var updatePostfix = flag.Bool("update-postfix", false, "rewrite testdata/postfix-live.eml from the real Postfix of the mail stack")

// TestPostfixBounceIsRead sends a delivery with a VERP envelope sender
// through real Postfix to a recipient it bounces, and reads the report that
// lands in the bureau mailbox: the member, the class and the token.
func TestPostfixBounceIsRead(t *testing.T) {
	t.Parallel()
	s := mailstack.Start(t, mailstack.Options{RejectRecipients: []string{"gone@example.org"}})
	keys, err := token.NewKeyring(token.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok := keys.Seal(token.Token{Kind: token.Bounce, ID: 4711, Expires: now.Add(30 * 24 * time.Hour)})
	sender := VERPSender("bureau@example.org", tok)
	raw := "From: Bureau via Gender <bureau@example.org>\r\nTo: gone@example.org\r\n" +
		"Subject: Invitation\r\nMessage-ID: <inv-1@itu.int>\r\nDate: Mon, 24 Nov 2025 10:00:00 +0000\r\n\r\nCome.\r\n"
	s.SendSMTP(t, sender, []string{"gone@example.org"}, []byte(raw))

	dsn := s.WaitMessages(t, "bureau@example.org", 1, 30*time.Second)[0]
	s.WaitPostfixIdle(t, 30*time.Second)
	if *updatePostfix {
		writeLive(t, dsn, tok)
	}
	report, ok := Parse(dsn)
	if !ok {
		t.Fatalf("Parse refused Postfix's report:\n%s", dsn)
	}
	if len(report.Recipients) != 1 {
		t.Fatalf("report has %d recipients, want 1: %+v", len(report.Recipients), report.Recipients)
	}
	rc := report.Recipients[0]
	if !strings.EqualFold(rc.Address, "gone@example.org") || rc.Class != Hard || rc.Status != [3]int{5, 1, 1} || rc.Action != "failed" {
		t.Errorf("recipient = %+v, want gone@example.org failed 5.1.1 hard", rc)
	}
	if report.OriginalMessageID != "<inv-1@itu.int>" {
		t.Errorf("OriginalMessageID = %q, want <inv-1@itu.int>", report.OriginalMessageID)
	}
	header := readHeader(string(dsn))
	if !IsDeliveryReport(header) {
		t.Errorf("IsDeliveryReport is false for Postfix's report")
	}
	got, ok := VERPToken(report, "bureau@example.org", header)
	if !ok {
		t.Fatalf("no VERP token found in:\n%s", dsn)
	}
	opened, err := keys.OpenKind(got, token.Bounce, now)
	if err != nil || opened.ID != 4711 {
		t.Errorf("OpenKind(%q) = %+v, %v; want delivery 4711", got, opened, err)
	}
}

// writeLive keeps a real Postfix report as a golden input, with the
// token (random per run) replaced by a fixed one the golden tests know.
func writeLive(t *testing.T, dsn []byte, tok string) {
	t.Helper()
	fixed := strings.ReplaceAll(string(dsn), tok, liveToken)
	if err := os.WriteFile(filepath.Join("testdata", "postfix-live.eml"), []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
}
