package gateway

import (
	"context"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

// TestAdminHeldPreviewAndDeliveries: the admin backend shows a held
// message's text and original, and a decision's deliveries and notices.
func TestAdminHeldPreviewAndDeliveries(t *testing.T) {
	ctx := context.Background()
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, moderatedRules)
	raw := invitation(3, "someone@unknown.example.com", "Regional consultation")
	if err := p.world.Append("bureau@example.org", "INBOX", raw); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := g.AdminBackend()
	list, err := b.Held(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("held: %+v %v", list, err)
	}
	h, err := b.HeldMessage(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if h.Preview.Missing != "" || !strings.Contains(h.Preview.Body, "you are invited (3)") || len(h.Preview.Header) == 0 {
		t.Errorf("held message preview %+v", h.Preview)
	}
	if list[0].Preview.Body == "" {
		t.Error("the held list has no preview")
	}
	orig, err := b.HeldOriginal(ctx, h.ID)
	if err != nil || string(orig) != string(raw) {
		t.Errorf("original: %v, %d bytes, want the %d bytes appended", err, len(orig), len(raw))
	}
	held, _ := p.store.GetHeld(ctx, h.ID)
	d, err := b.Decision(ctx, held.MessageRef)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.SentNotices) != 2 || len(d.Deliveries) != 0 {
		t.Errorf("decision of the held message: deliveries %+v, notices %+v; want the two moderators' requests", d.Deliveries, d.SentNotices)
	}
}
