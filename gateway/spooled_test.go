package gateway

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
)

// TestSpooledMessageIsForwardedIntact: a message large enough for the IMAP
// fetch to spool it (its Raw a mapping) is forwarded byte for byte to both
// caucuses. Intake keeps the mapping for the hand-off's senders, which
// send from it rather than read the message back from the store (issue
// 12), and it is unmapped once they are done: no spooled literal stays
// mapped after the run.
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
		// The senders let the message go just after reporting the outcome.
		spoolDir := p.store.SpoolDir()
		for deadline := time.Now().Add(10 * time.Second); mappedLiterals(t, spoolDir) > 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d spooled literals still mapped after the run", mappedLiterals(t, spoolDir))
			}
		}
	})
}

// mappedLiterals counts the spool files (imapwatch's) this process has
// mapped, from /proc/self/maps: named caucusgate-literal-* in the temporary
// directory, or, unnamed (O_TMPFILE), "#" and their inode in spoolDir.
func mappedLiterals(t *testing.T, spoolDir string) int {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps to count mappings: %v", err)
	}
	n := strings.Count(string(maps), "caucusgate-literal-")
	if spoolDir != "" {
		n += strings.Count(string(maps), spoolDir+"/#")
	}
	return n
}
