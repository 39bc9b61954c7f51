package gateway

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/imapwatch"
	"caucusgate/gateway/mailsim"
)

func datedInvitation(id string, date time.Time) []byte {
	return []byte(fmt.Sprintf("From: Events <events@itu.int>\r\nTo: bureau@example.org\r\nSubject: Invitation %s\r\n"+
		"Message-ID: <%s@itu.int>\r\nDate: %s\r\n\r\nYou are invited.\r\n", id, id, date.Format(time.RFC1123Z)))
}

// Issue 11 items 1 and 10, through the real store: after a UIDVALIDITY
// change, mail that start: now skipped is not forwarded, what was
// forwarded is recognised by header keys, and an old message a restore
// made look new is held with one notice, never forwarded.
func TestResetForwardsNothingOldNorTwice(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		p := newPipeline(t, dsn, mailsim.Options{})
		p.cfg.Accounts[0].Watch.Start = imapwatch.Start{Mode: imapwatch.StartNow}
		p.cfg.Notify = "admin@bureau.example.org"
		now := time.Now().UTC().Truncate(time.Second)
		old := func() {
			for i, age := range []time.Duration{3 * 365 * 24 * time.Hour, 90 * 24 * time.Hour, 5 * 24 * time.Hour} {
				at := now.Add(-age)
				if err := p.world.AppendAt("bureau@example.org", "INBOX", datedInvitation(fmt.Sprintf("old%d", i), at), at); err != nil {
					t.Fatal(err)
				}
			}
		}
		old()
		p.runOnce()
		if got := len(p.world.Received()); got != 0 {
			t.Fatalf("start: now forwarded %d messages already there", got)
		}
		if err := p.world.AppendAt("bureau@example.org", "INBOX", datedInvitation("new", now), now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		p.runOnce()
		if got := len(p.world.Received()); got != 2 {
			t.Fatalf("the new invitation made %d copies, want 2", got)
		}
		if err := p.world.Recreate("bureau@example.org", "INBOX"); err != nil {
			t.Fatal(err)
		}
		old()
		if err := p.world.AppendAt("bureau@example.org", "INBOX", datedInvitation("new", now), now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		copied := now.Add(time.Minute) // restored by cp: INTERNALDATE is the copy's time
		if err := p.world.AppendAt("bureau@example.org", "INBOX", datedInvitation("restored", now.Add(-30*24*time.Hour)), copied); err != nil {
			t.Fatal(err)
		}
		s := p.runOnce()
		got := p.world.Received()
		if len(got) != 3 || !strings.Contains(string(got[2].Data), "1 restored messages held") {
			for _, r := range got {
				t.Logf("sent to %v: %.120q", r.To, r.Data)
			}
			t.Fatalf("after the reset %d messages in all, want the 2 copies from before and one notice", len(got))
		}
		if s.Decisions["hold"] != 1 {
			t.Errorf("decisions %v, want the restored old message held", s.Decisions)
		}
	})
}
