package queue

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestInvitationsDueFrom: the invitations still to be answered by a
// deadline ahead are listed however old they are; those closed, those
// whose deadline passed and those without one are not.
func TestInvitationsDueFrom(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		begin(t, s, 1, 0)
		received := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
		from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		noDeadline := invitationOf(message(4, "<none@x>", "no deadline", "gender"), received, time.Time{})
		noDeadline.Invitation.Deadline = InvitationDate{}
		out := intake(t, s, 1,
			invitationOf(message(1, "<ahead@x>", "ahead", "gender"), received, from.AddDate(0, 1, 0)),
			invitationOf(message(2, "<past@x>", "past", "gender"), received, from.AddDate(0, 0, -1)),
			invitationOf(message(3, "<closed@x>", "closed", "gender"), received, from.AddDate(0, 2, 0)),
			noDeadline,
			invitationOf(message(5, "<today@x>", "due at from", "gender"), received, from))
		if err := s.CloseInvitation(ctx, out[2].MessageRef, false); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListInvitationsDueFrom(ctx, from, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, inv := range list {
			got = append(got, inv.MessageID)
			if len(inv.Caucuses) != 1 || inv.Caucuses[0].Caucus != "gender" {
				t.Errorf("%s: caucuses %+v", inv.MessageID, inv.Caucuses)
			}
		}
		slices.Sort(got)
		if want := []string{"<ahead@x>", "<today@x>"}; !slices.Equal(got, want) {
			t.Errorf("due from %s: %v, want %v", from.Format(time.DateOnly), got, want)
		}
		if list, err := s.ListInvitationsDueFrom(ctx, from, 1); err != nil || len(list) != 1 {
			t.Errorf("limit 1: %d invitations, %v", len(list), err)
		}
	})
}
