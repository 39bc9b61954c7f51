package gateway

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
)

// TestSpooledMessageIsForwardedIntact: a message large enough for the IMAP
// fetch to spool it (its Raw a mapping, unmapped when Accept returns) is
// forwarded byte for byte to both caucuses. Intake keeps no spooled Raw
// for the hand-off: the senders read it from the store (issue 12).
func TestSpooledMessageIsForwardedIntact(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		p := newPipeline(t, dsn, mailsim.Options{})
		line := "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,;:\r\n"
		body := strings.Repeat(line, 3<<20/len(line))
		raw := fmt.Sprintf("From: Events <events@itu.int>\r\nTo: bureau@example.org\r\n"+
			"Subject: Invitation to consultation\r\nMessage-ID: <large@example.com>\r\n"+
			"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n%s", body)
		if err := p.world.Append("bureau@example.org", "INBOX", []byte(raw)); err != nil {
			t.Fatal(err)
		}
		if s := p.runOnce(); s.Delivered != 2 || s.Failed != 0 {
			t.Fatalf("run: %+v, want 2 delivered", s)
		}
		got := p.world.Received()
		if len(got) != 2 {
			t.Fatalf("%d copies received, want 2", len(got))
		}
		for _, r := range got {
			_, gotBody, _ := bytes.Cut(r.Data, []byte("\r\n\r\n"))
			if !bytes.Equal(gotBody, []byte(body)) {
				t.Errorf("copy to %v: body of %d bytes differs from the original's %d", r.To, len(gotBody), len(body))
			}
		}
	})
}
