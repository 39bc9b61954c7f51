package gateway

import (
	"errors"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/imapwatch"
)

// Refused acknowledgements degrade /readyz only once they have lasted
// longer than ackBacklogLimit; the admin page sees them at once.
func TestReadyDegradesOnAckBacklogOfHours(t *testing.T) {
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	h := newHealth()
	obs := h.watch("bureau/INBOX", time.Minute, start, nil)
	obs.Synced(start)
	refusal := errors.New("NO Mailbox does not exist")
	obs.(imapwatch.AckObserver).AckBacklog(imapwatch.AckBacklog{Count: 7, Since: start, Err: refusal})
	now := start.Add(time.Minute)
	obs.Synced(now)
	if err := h.ready(now); err != nil {
		t.Errorf("ready after a minute of refusals: %v", err)
	}
	if b := h.ackBacklogs()["bureau/INBOX"]; b.Count != 7 {
		t.Errorf("admin page sees backlog %+v, want 7", b)
	}
	now = start.Add(ackBacklogLimit + time.Minute)
	obs.Synced(now)
	err := h.ready(now)
	if err == nil || !strings.Contains(err.Error(), "7 acknowledgements refused") {
		t.Errorf("ready after hours of refusals = %v, want the backlog named", err)
	}
	obs.(imapwatch.AckObserver).AckBacklog(imapwatch.AckBacklog{})
	if err := h.ready(now); err != nil {
		t.Errorf("ready once the backlog cleared: %v", err)
	}
}
