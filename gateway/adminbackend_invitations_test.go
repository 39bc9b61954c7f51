package gateway

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/admin"
	invitations "caucusgate/gateway/invitation"
	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
)

// invitationWithDeadline is invitation i with a deadline and an event in
// its text.
func invitationWithDeadline(i int) []byte {
	return []byte(strings.Replace(string(invitation(i, "events@itu.int", "Invitation to the forum")),
		"you are invited", "The forum will be held in Geneva on 2 March 2027.\r\nDeadline for registration: 15 January.\r\nYou are invited", 1))
}

// TestAdminInvitationPage: the admin backend shows an invitation as the
// store and the view know it, with its timeline from receipt to the
// relayed answer, and acts on it: confirm, close, reopen, set the
// deadline (a day in the invitations' zone), each refused when the
// state does not allow it.
func TestAdminInvitationPage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		p := newPipeline(t, dsn, mailsim.Options{})
		zurich, err := time.LoadLocation("Europe/Zurich")
		if err != nil {
			t.Fatal(err)
		}
		p.cfg.Invitations = &invitations.Options{Zone: zurich}
		clock := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		p.cfg.Now = func() time.Time { return clock }
		if err := p.world.Append("bureau@example.org", "INBOX", invitationWithDeadline(7)); err != nil {
			t.Fatal(err)
		}
		p.runOnce()
		h := readHeader(t, relayedTo(p, "caucus-gender@lists.example.net")[0].Data)
		replyTo := h.Get("Reply-To")
		if err := p.world.Append("bureau@example.org", "INBOX", reply("gina@gender.example.net", replyTo, "We will attend.", 1)); err != nil {
			t.Fatal(err)
		}
		p.runOnce()
		g, err := New(p.cfg)
		if err != nil {
			t.Fatal(err)
		}
		b := g.AdminBackend()
		list, err := b.Invitations(ctx, 100)
		if err != nil || len(list) != 1 {
			t.Fatalf("invitations %+v, %v; want one", list, err)
		}
		id := list[0].ID
		checkListed(t, list[0])
		inv, err := b.Invitation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		checkTimeline(t, inv.Timeline, "received", "decided", "forwarded", "delivered", "answer", "relayed")
		checkInvitationActions(t, b, p.store, id, zurich)
		if _, err := b.Invitation(ctx, 9999); !errors.Is(err, queue.ErrNotFound) {
			t.Errorf("no invitation 9999: %v, want ErrNotFound", err)
		}
	})
}

func checkListed(t *testing.T, v admin.Invitation) {
	t.Helper()
	if v.Deadline == nil || v.Deadline.Format(time.RFC3339) != "2027-01-15T00:00:00+01:00" || v.DeadlineSource != "text" ||
		v.DeadlineFirm || v.State != invitations.Open || v.NoticeDays == nil || *v.NoticeDays != 52 {
		t.Errorf("listed %+v, want open with the text's deadline 15 January in Zurich, unconfirmed, 52 days of notice", v.View)
	}
	marks := map[string]string{}
	for _, c := range v.Caucuses {
		marks[c.ID] = c.Mark()
	}
	if marks["gender"] != "answered" || marks["education"] != "no answer" {
		t.Errorf("marks %v, want gender answered and education no answer", marks)
	}
}

// checkTimeline checks the events of want come in that order (others,
// such as a second caucus's copy, may lie between).
func checkTimeline(t *testing.T, timeline []admin.TimelineEvent, want ...string) {
	t.Helper()
	var whats []string
	for _, e := range timeline {
		whats = append(whats, e.What)
	}
	i := 0
	for _, w := range whats {
		if i < len(want) && w == want[i] {
			i++
		}
	}
	if i != len(want) {
		t.Errorf("timeline %v, want %v in that order", whats, want)
	}
	if !strings.Contains(timeline[0].Detail, "events@itu.int") || !strings.HasPrefix(timeline[1].Detail, "forward") {
		t.Errorf("received %q, decided %q: want the inviter and the decision", timeline[0].Detail, timeline[1].Detail)
	}
}

func checkInvitationActions(t *testing.T, b admin.Backend, store *queue.Store, id int64, zone *time.Location) {
	t.Helper()
	ctx := context.Background()
	steps := []struct {
		name  string
		act   func() error
		state error // nil: done; queue.ErrWrongState: refused
	}{
		{"confirm", func() error { return b.ConfirmInvitationDeadline(ctx, id, "admin") }, nil},
		{"confirm twice", func() error { return b.ConfirmInvitationDeadline(ctx, id, "admin") }, queue.ErrWrongState},
		{"reopen an open one", func() error { return b.ReopenInvitation(ctx, id, "admin") }, queue.ErrWrongState},
		{"close", func() error { return b.CloseInvitation(ctx, id, "admin") }, nil},
		{"close twice", func() error { return b.CloseInvitation(ctx, id, "admin") }, queue.ErrWrongState},
		{"reopen", func() error { return b.ReopenInvitation(ctx, id, "admin") }, nil},
		{"set the deadline", func() error {
			return b.SetInvitationDeadline(ctx, id, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), "ana")
		}, nil},
		{"confirm an admin's", func() error { return b.ConfirmInvitationDeadline(ctx, id, "admin") }, queue.ErrWrongState},
		{"close no invitation", func() error { return b.CloseInvitation(ctx, 9999, "admin") }, queue.ErrNotFound},
		{"deadline of no invitation", func() error { return b.SetInvitationDeadline(ctx, 9999, time.Now(), "admin") }, queue.ErrNotFound},
	}
	for _, s := range steps {
		if err := s.act(); !errors.Is(err, s.state) || (s.state == nil && err != nil) {
			t.Fatalf("%s: %v, want %v", s.name, err, s.state)
		}
	}
	inv, err := store.GetInvitation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2027, 2, 1, 0, 0, 0, 0, zone); !inv.Deadline.At.Equal(want) || inv.Deadline.Source != "admin" ||
		!inv.DeadlineConfirmed || !inv.Closed.IsZero() || !strings.Contains(inv.Deadline.Phrase, "ana") {
		t.Errorf("after the actions %+v, want open, deadline %s from admin ana", inv, want)
	}
	if err := b.SetInvitationDeadline(ctx, id, time.Time{}, "ana"); err != nil {
		t.Fatal(err)
	}
	if inv, err := store.GetInvitation(ctx, id); err != nil || !inv.Deadline.At.IsZero() {
		t.Errorf("removed deadline: %+v %v", inv.Deadline, err)
	}
	actions, err := store.InvitationActions(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range actions {
		got = append(got, a.Action)
	}
	if want := []string{"confirm", "close", "reopen", "deadline", "deadline"}; !slices.Equal(got, want) {
		t.Errorf("recorded actions %v, want %v (the refused ones not recorded)", got, want)
	}
}

// TestAdminInvitationsDueAhead: an invitation whose deadline is ahead is
// listed however many newer ones the limit keeps.
func TestAdminInvitationsDueAhead(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		p := newPipeline(t, dsn, mailsim.Options{})
		clock := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		p.cfg.Now = func() time.Time { return clock }
		for i, m := range [][]byte{invitationWithDeadline(8), invitation(9, "events@itu.int", "Invitation to the forum"),
			invitation(10, "events@itu.int", "Invitation to the forum")} {
			clock = clock.Add(time.Duration(i) * time.Hour)
			if err := p.world.Append("bureau@example.org", "INBOX", m); err != nil {
				t.Fatal(err)
			}
			p.runOnce()
		}
		g, err := New(p.cfg)
		if err != nil {
			t.Fatal(err)
		}
		list, err := g.AdminBackend().Invitations(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range list {
			got = append(got, v.MessageID)
		}
		// Open ones first, by deadline: the one with a deadline, then the newest.
		if want := []string{"inv-8@example.com", "inv-10@example.com"}; !slices.Equal(got, want) {
			t.Errorf("limit 1 lists %v, want %v", got, want)
		}
	})
}
