package queue

import (
	"context"
	"testing"
	"time"
)

func TestRecordReminderOnceWithItsDeliveries(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		begin(t, s, 1, 0)
		received := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		deadline := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
		out := intake(t, s, 1, invitationOf(message(1, "<inv@x>", "invitation", "gender"), received, deadline))
		ref := out[0].MessageRef
		if _, err := s.db.ExecContext(ctx, s.q(`UPDATE deliveries SET state = 'sent', sent_at = ? WHERE id = ?`),
			s.micros(received), out[0].DeliveryIDs[0]); err != nil {
			t.Fatal(err)
		}
		copies, err := s.InvitationCopies(ctx, ref, "gender")
		if err != nil || len(copies) != 1 || copies[0].DeliveryID != out[0].DeliveryIDs[0] || len(copies[0].Recipients) == 0 {
			t.Fatalf("copies %+v, %v", copies, err)
		}
		r := NewReminder{ReminderKey: ReminderKey{Invitation: ref, Caucus: "gender", Reminder: "7d"}, MessageID: "<reminder@x>",
			Deliveries: []NewDelivery{{EnvelopeFrom: "bureau@example.org", Recipients: copies[0].Recipients, Spec: []byte(`{}`)}}}
		for i, want := range []bool{true, false} {
			got, err := s.RecordReminder(ctx, r)
			if err != nil || got != want {
				t.Fatalf("record %d: %v, %v; want %v", i, got, err, want)
			}
		}
		if n := count(t, s, "SELECT COUNT(*) FROM deliveries WHERE message_ref = ? AND caucus = ''", ref); n != 1 {
			t.Errorf("%d reminder deliveries, want 1", n)
		}
		rs, err := s.InvitationReminders(ctx, ref)
		if err != nil || len(rs) != 1 || rs[0].Deliveries != 1 || rs[0].Pending != 1 || rs[0].MessageID != "<reminder@x>" {
			t.Fatalf("reminders %+v, %v", rs, err)
		}
		inv, err := s.GetInvitation(ctx, ref)
		if err != nil || len(inv.Caucuses) != 1 || inv.Caucuses[0].Copies != 1 || len(inv.Caucuses[0].Reminders) != 1 {
			t.Fatalf("a reminder counted as a copy, or not as a reminder: %+v, %v", inv, err)
		}
	})
}

func TestRemindableInvitationsOnlyFirmOpenDeadlines(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		begin(t, s, 1, 0)
		received := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		deadline := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
		out := intake(t, s, 1,
			invitationOf(message(1, "<text@x>", "text deadline", "gender"), received, deadline),
			invitationOf(message(2, "<confirmed@x>", "confirmed", "gender"), received, deadline),
			invitationOf(message(3, "<admin@x>", "admin", "gender"), received, deadline),
			invitationOf(message(4, "<closed@x>", "closed", "gender"), received, deadline),
			invitationOf(message(5, "<past@x>", "past", "gender"), received, deadline))
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.ConfirmInvitationDeadline(ctx, out[1].MessageRef))
		must(s.SetInvitationDeadline(ctx, out[2].MessageRef, deadline, "admin"))
		must(s.SetInvitationDeadline(ctx, out[3].MessageRef, deadline, "admin"))
		must(s.CloseInvitation(ctx, out[3].MessageRef, false))
		must(s.SetInvitationDeadline(ctx, out[4].MessageRef, deadline.AddDate(0, 0, -30), "admin"))
		list, err := s.RemindableInvitations(ctx, deadline.AddDate(0, 0, -2))
		must(err)
		got := map[int64]bool{}
		for _, inv := range list {
			got[inv.ID] = true
		}
		if len(got) != 2 || !got[out[1].MessageRef] || !got[out[2].MessageRef] {
			t.Errorf("remindable %v, want only the confirmed and the admin's (%d, %d)", got, out[1].MessageRef, out[2].MessageRef)
		}
	})
}
