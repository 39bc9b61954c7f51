package gateway

import (
	"context"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

func TestAlertAdminsMailsNotify(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.AlertAdmins(context.Background(), "rules edit refused", "line 3: unknown caucus", "k1"); err != nil {
		t.Fatalf("without notify: %v", err)
	}
	if n := len(p.world.Received()); n != 0 {
		t.Fatalf("without notify, %d messages sent", n)
	}
	p.cfg.Notify = "admins@example.org"
	if g, err = New(p.cfg); err != nil {
		t.Fatal(err)
	}
	if err := g.AlertAdmins(context.Background(), "rules edit refused", "line 3: unknown caucus", "k1"); err != nil {
		t.Fatal(err)
	}
	got := p.world.Received()
	if len(got) != 1 || got[0].To[0] != "admins@example.org" {
		t.Fatalf("received %+v, want one alert to notify", got)
	}
	h := readHeader(t, got[0].Data)
	if h.Get("Subject") != "rules edit refused" || h.Get("Auto-Submitted") == "" || !strings.HasPrefix(h.Get("Message-ID"), "<alert-") ||
		!strings.Contains(string(got[0].Data), "unknown caucus") {
		t.Fatalf("alert:\n%s", got[0].Data)
	}
}
