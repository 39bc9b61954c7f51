package admin

import (
	"strings"
	"testing"
	"time"
)

// TestFrontPageShowsAckBacklogs: a mailbox whose server refuses
// acknowledgements is named on the front page with its count, since when
// (and how long) and the refusal, escaped; none, no section.
func TestFrontPageShowsAckBacklogs(t *testing.T) {
	h := newHarness(t)
	if body := h.get("/").body; strings.Contains(body, `id="ack-backlog"`) {
		t.Error("front page shows an acknowledgement backlog where there is none")
	}
	h.backend.acks = []AckBacklog{{Mailbox: "bureau/INBOX", Count: 7, Since: testNow.Add(-3 * time.Hour),
		Error: `NO <Mailbox> "Processed" does not exist`}}
	body := h.get("/").body
	for _, want := range []string{`id="ack-backlog"`, "<b>bureau/INBOX</b>: 7 not acknowledged since",
		"NO &lt;Mailbox&gt; &#34;Processed&#34; does not exist"} {
		if !strings.Contains(body, want) {
			t.Errorf("front page lacks %q", want)
		}
	}
}
