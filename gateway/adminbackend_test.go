package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/rules/schedule"
)

// TestAdminReviewsHeldReplies: with replies.review, the admin backend
// lists the held replies with their sender and subject; a released one
// waits for its schedule's next slot and is relayed then, a dropped one
// never is.
func TestAdminReviewsHeldReplies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		p := newPipeline(t, dsn, mailsim.Options{})
		p.setRules(t, strings.Replace(testRules, "rules:\n", "replies:\n  review: true\n  schedule: \"@every 1h\"\nrules:\n", 1))
		clock := time.Date(2026, 11, 24, 9, 10, 0, 0, time.UTC)
		p.cfg.Now = func() time.Time { return clock }
		replyTo := forwardedReplyTo(t, p)
		for i, from := range []string{"Gina <gina@gender.example.net>", "Gabi <gabi@gender.example.net>"} {
			if err := p.world.Append("bureau@example.org", "INBOX", reply(from, replyTo, "Answer", i)); err != nil {
				t.Fatal(err)
			}
		}
		p.runOnce()
		g, err := New(p.cfg)
		if err != nil {
			t.Fatal(err)
		}
		b := g.AdminBackend()
		held, err := b.HeldReplies(ctx)
		if err != nil || len(held) != 2 {
			t.Fatalf("held replies %+v, %v; want the two replies", held, err)
		}
		for i, want := range []string{"gina@gender.example.net", "gabi@gender.example.net"} {
			h := held[i]
			if h.Caucus != "gender" || h.To != "events@itu.int" || h.Schedule != "@every 1h" ||
				!strings.Contains(h.From, want) || h.Subject != "Re: Invitation to the forum" || h.Received.IsZero() {
				t.Errorf("held reply %d: %+v, want gender's reply from %s to events@itu.int", i, h, want)
			}
		}
		release, drop := held[0].ID, held[1].ID
		if err := b.ReleaseReply(ctx, release, "admin"); err != nil {
			t.Fatalf("release: %v", err)
		}
		if err := b.DropReply(ctx, drop, "admin"); err != nil {
			t.Fatalf("drop: %v", err)
		}
		checkReviewed(t, p.store, release, drop, clock)
		checkReviewErrors(t, b, release, drop)

		clock = clock.Add(time.Hour)
		p.runOnce()
		got := relayedTo(p, "events@itu.int")
		// replies.show_members: name (the default) names members, not their addresses.
		if len(got) != 1 || !strings.Contains(string(got[0].Data), "Gina") ||
			strings.Contains(string(got[0].Data), "Gabi") || strings.Contains(string(got[0].Data), "gina@gender.example.net") {
			t.Fatalf("after the slot the inviter got %d messages, want Gina's released reply alone", len(got))
		}
	})
}

// checkReviewed reads back what the review left in the store: the
// released item due at its schedule's next slot, the dropped one dropped.
func checkReviewed(t *testing.T, store *queue.Store, release, drop int64, now time.Time) {
	t.Helper()
	items, err := store.ListPending(context.Background(), queue.PendingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := schedule.Parse("@every 1h")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		switch it.ID {
		case release:
			if it.State != queue.PendingWaiting || !it.DueSlot.Equal(s.DueSlot(now)) {
				t.Errorf("released reply: %s due %s, want pending due %s", it.State, it.DueSlot, s.DueSlot(now))
			}
		case drop:
			if it.State != queue.PendingDropped {
				t.Errorf("dropped reply: %s", it.State)
			}
		}
	}
}

// checkReviewErrors: a reply reviewed already is in the wrong state (the
// page answers 409), an unknown id is not found (404).
func checkReviewErrors(t *testing.T, b interface {
	ReleaseReply(context.Context, int64, string) error
	DropReply(context.Context, int64, string) error
}, release, drop int64) {
	t.Helper()
	ctx := context.Background()
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"release released", b.ReleaseReply(ctx, release, "admin"), queue.ErrWrongState},
		{"release dropped", b.ReleaseReply(ctx, drop, "admin"), queue.ErrWrongState},
		{"drop released", b.DropReply(ctx, release, "admin"), queue.ErrWrongState},
		{"release unknown", b.ReleaseReply(ctx, 9999, "admin"), queue.ErrNotFound},
		{"drop unknown", b.DropReply(ctx, 9999, "admin"), queue.ErrNotFound},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}
