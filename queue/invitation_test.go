package queue

import (
	"context"
	"errors"
	"testing"
	"time"
)

func invitationOf(m Incoming, received time.Time, deadline time.Time) Incoming {
	m.Invitation = &NewInvitation{Inviter: "inviter@itu.int", Subject: "Invitation", Received: received,
		Deadline: InvitationDate{At: deadline, Source: "text", Phrase: "deadline 15 January 2027"},
		Event:    InvitationDate{At: deadline.AddDate(0, 1, 0), Source: "calendar", Phrase: "DTSTART"}}
	return m
}

func answer(uid uint32, ref int64, caucus string, destinations ...string) Incoming {
	m := message(uid, "<answer-"+caucus+"@x>", caucus+" answers")
	m.Decision, m.Deliveries = "reply", nil
	for _, d := range destinations {
		m.Pending = append(m.Pending, NewPending{Kind: KindReply, InvitationRef: ref, Caucus: caucus,
			Destination: d, Schedule: "@every 1h", DueSlot: time.Now().Add(time.Hour)})
	}
	return m
}

func TestInvitationsTrackCopiesAndAnswers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		begin(t, s, 1, 0)
		received := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		deadline := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
		held := message(2, "<held@x>", "held", "gender")
		held.Decision = "hold"
		// A moderation request is a delivery to no caucus: not a copy.
		held.Deliveries = []NewDelivery{{EnvelopeFrom: "bureau@example.org", Recipients: []string{"mod@example.org"}, Spec: held.Deliveries[0].Spec}}
		out := intake(t, s, 1,
			invitationOf(message(1, "<inv@x>", "invitation", "gender", "education"), received, deadline),
			invitationOf(held, received, deadline),
			message(3, "<plain@x>", "not tracked", "gender"))
		ref := out[0].MessageRef
		intake(t, s, 1, answer(4, ref, "gender", "inviter@itu.int", "bureau@example.org"), answer(5, ref, "gender", "inviter@itu.int"))
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE deliveries SET state = 'sent', sent_at = ? WHERE id = ?`),
			s.micros(received), out[0].DeliveryIDs[0]); err != nil {
			t.Fatal(err)
		}

		list, err := s.ListInvitations(ctx, InvitationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != ref {
			t.Fatalf("listed %+v, want only the forwarded invitation %d (the held one went nowhere yet)", list, ref)
		}
		inv := list[0]
		if inv.MessageID != "<inv@x>" || inv.Inviter != "inviter@itu.int" || !inv.Deadline.At.Equal(deadline) ||
			inv.Deadline.Source != "text" || inv.Event.Source != "calendar" || !inv.Received.Equal(received) {
			t.Errorf("invitation %+v", inv)
		}
		if len(inv.Caucuses) != 2 {
			t.Fatalf("caucuses %+v", inv.Caucuses)
		}
		edu, gender := inv.Caucuses[0], inv.Caucuses[1]
		if edu.Caucus != "education" || edu.Copies != 1 || edu.Pending != 1 || edu.Answers != 0 {
			t.Errorf("education %+v", edu)
		}
		if gender.Caucus != "gender" || gender.Sent != 1 || gender.Answers != 2 || gender.Relayed != 0 || gender.LastAnswer.IsZero() {
			t.Errorf("gender %+v", gender)
		}
		if _, err := s.GetInvitation(ctx, out[1].MessageRef); !errors.Is(err, ErrNotFound) {
			t.Errorf("held invitation: %v, want not found", err)
		}
	})
}

func TestInvitationAdminActions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		begin(t, s, 1, 0)
		out := intake(t, s, 1, invitationOf(message(1, "<inv@x>", "invitation", "gender"), time.Now(), time.Now().AddDate(0, 1, 0)))
		ref := out[0].MessageRef
		if err := s.CloseInvitation(ctx, ref, false); err != nil {
			t.Fatal(err)
		}
		inv, err := s.GetInvitation(ctx, ref)
		if err != nil || inv.Closed.IsZero() {
			t.Fatalf("closed %+v %v", inv, err)
		}
		if err := s.CloseInvitation(ctx, ref, true); err != nil {
			t.Fatal(err)
		}
		set := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
		if err := s.SetInvitationDeadline(ctx, ref, set, "set by admin"); err != nil {
			t.Fatal(err)
		}
		inv, err = s.GetInvitation(ctx, ref)
		if err != nil || !inv.Closed.IsZero() || !inv.Deadline.At.Equal(set) || inv.Deadline.Source != "admin" || !inv.DeadlineConfirmed {
			t.Fatalf("after reopen and deadline: %+v %v", inv, err)
		}
		if err := s.CloseInvitation(ctx, 9999, false); !errors.Is(err, ErrNotFound) {
			t.Errorf("closing no invitation: %v", err)
		}
		tl, err := s.InvitationTimeline(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		var whats []string
		for _, e := range tl {
			whats = append(whats, e.What)
		}
		want := []string{"received", "forwarded", "close", "reopen", "deadline"}
		if len(whats) != len(want) {
			t.Fatalf("timeline %v, want %v", whats, want)
		}
		for i := range want {
			if whats[i] != want[i] {
				t.Errorf("timeline %v, want %v", whats, want)
				break
			}
		}
	})
}
