package gateway

import (
	"context"
	"errors"
	"testing"
	"time"

	"caucusgate/gateway/imapwatch"
	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

// TestAdminBackendShowsAckBacklogs: the backlog a mailbox's supervisor
// reports (the one /readyz and the metrics read) reaches the admin page,
// with its count, start and last refusal, and leaves it once cleared.
func TestAdminBackendShowsAckBacklogs(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	obs := g.health.watch("bureau/INBOX", time.Minute, since, nil).(imapwatch.AckObserver)
	g.health.watch("bureau/Lists", time.Minute, since, nil)
	obs.AckBacklog(imapwatch.AckBacklog{Count: 7, Since: since, Err: errors.New("NO Mailbox does not exist")})
	got := g.AdminBackend().AckBacklogs(context.Background())
	if len(got) != 1 || got[0].Mailbox != "bureau/INBOX" || got[0].Count != 7 || !got[0].Since.Equal(since) ||
		got[0].Error != "NO Mailbox does not exist" {
		t.Fatalf("backlogs %+v: want bureau/INBOX's 7 refused since %s", got, since)
	}
	obs.AckBacklog(imapwatch.AckBacklog{})
	if got := g.AdminBackend().AckBacklogs(context.Background()); len(got) != 0 {
		t.Fatalf("backlogs %+v after it cleared", got)
	}
}
