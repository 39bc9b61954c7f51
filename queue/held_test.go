package queue

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"
)

// heldMessage is an Incoming a rule held, with no deliveries yet.
func heldMessage(uid uint32, messageID string, expiry time.Duration) Incoming {
	m := message(uid, messageID, "please moderate")
	m.Decision = "hold"
	m.Subject = "Invitation to moderate"
	m.Hold = &HoldRequest{Rule: "outsiders", RuleIndex: 2, Reason: "outsider tag",
		Moderators: []string{"mod@example.org"}, Expiry: expiry}
	return m
}

func forward(caucuses ...string) []NewDelivery {
	return message(1, "<unused@x>", "", caucuses...).Deliveries
}

func TestHeldIntakeListAndReject(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now})
		ctx := context.Background()
		begin(t, s, 7, 0)
		out := intake(t, s, 7, heldMessage(1, "<h@x>", 0), message(2, "<f@x>", "not held", "gender"))
		if out[0].HeldID == 0 || out[1].HeldID != 0 {
			t.Fatalf("outcomes = %+v, want only the first held", out)
		}
		list, err := s.ListHeld(ctx, HeldFilter{States: []HeldState{HeldWaiting}})
		if err != nil || len(list) != 1 {
			t.Fatalf("ListHeld = %+v, %v; want one", list, err)
		}
		h := list[0]
		want := HeldInfo{ID: out[0].HeldID, MessageRef: out[0].MessageRef, MessageID: "<h@x>", From: "inviter@itu.int",
			Subject: "Invitation to moderate", Rule: "outsiders", RuleIndex: 2, Reason: "outsider tag",
			HeldAt: clock.Now(), RemindAt: clock.Now().Add(DefaultHoldExpiry / 2),
			ExpiresAt: clock.Now().Add(DefaultHoldExpiry), State: HeldWaiting}
		if len(h.Moderators) != 1 || h.Moderators[0] != "mod@example.org" {
			t.Errorf("moderators = %q", h.Moderators)
		}
		h.Moderators = nil
		if !reflect.DeepEqual(h, want) {
			t.Errorf("held = %+v\nwant   %+v", h, want)
		}
		if err := s.RejectHeld(ctx, h.ID, "mod@example.org", "spam"); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetHeld(ctx, h.ID)
		if err != nil || got.State != HeldRejected || got.DecidedBy != "mod@example.org" || got.DecisionReason != "spam" ||
			!got.DecidedAt.Equal(clock.Now()) || len(got.Moderators) != 1 {
			t.Errorf("after reject = %+v, %v", got, err)
		}
		if err := s.ApproveHeld(ctx, h.ID, "other@example.org", forward("gender")); !errors.Is(err, ErrWrongState) {
			t.Errorf("ApproveHeld(rejected) = %v, want ErrWrongState", err)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM deliveries WHERE message_ref = ?", h.MessageRef); n != 0 {
			t.Errorf("a refused approval left %d deliveries", n)
		}
		if _, err := s.GetHeld(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetHeld(unknown) = %v, want ErrNotFound", err)
		}
		if err := s.RejectHeld(ctx, 9999, "x", ""); !errors.Is(err, ErrNotFound) {
			t.Errorf("RejectHeld(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestApproveHeldConcurrentlyForwardsOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		r := newRecorder(nil)
		a := startWorkers(t, dsn, r, Options{})
		b := openTest(t, dsn, Options{}) // a second process: the CLI, or another instance
		begin(t, a, 7, 0)
		out := intake(t, a, 7, heldMessage(1, "<h@x>", 0))
		id := out[0].HeldID
		errs := make([]error, 4)
		var wg sync.WaitGroup
		for i := range errs {
			s := []*Store{a, b}[i%2]
			wg.Go(func() { errs[i] = s.ApproveHeld(context.Background(), id, "mod@example.org", forward("gender")) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, ErrWrongState):
				t.Errorf("losing approval: %v, want ErrWrongState", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d approvals succeeded, want exactly 1", won)
		}
		got := r.waitOutcomes(t, 1)
		if got[0].State != StateSent || got[0].Delivery.MessageRef != out[0].MessageRef {
			t.Errorf("outcome = %+v, want the held message sent", got[0])
		}
		if n := count(t, a, "SELECT COUNT(*) FROM deliveries"); n != 1 {
			t.Errorf("deliveries = %d, want 1", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM river_job"); n != 1 {
			t.Errorf("river jobs = %d, want 1", n)
		}
	})
}

func TestApproveHeldWithContinuation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		out := intake(t, s, 7, heldMessage(1, "<h@x>", 0))
		again := HoldRequest{Rule: "big", RuleIndex: 5, Reason: "too large"}
		next := Approval{Deliveries: forward("gender", "education"), Hold: &again,
			Pending: []NewPending{{Kind: KindForward, Caucus: "youth", Destination: "youth@example.org",
				Schedule: "@weekly", DueSlot: time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)}}}
		res, err := s.ApproveHeldWith(ctx, out[0].HeldID, "mod@example.org", next)
		if err != nil || len(res.DeliveryIDs) != 2 || len(res.PendingIDs) != 1 || res.HeldID == 0 {
			t.Fatalf("ApproveHeldWith = %+v, %v; want 2 deliveries, 1 pending item, a new hold", res, err)
		}
		holds, err := s.ListHeld(ctx, HeldFilter{MessageRef: out[0].MessageRef})
		if err != nil || len(holds) != 2 || holds[0].State != HeldApproved || holds[1].State != HeldWaiting ||
			holds[1].Rule != "big" {
			t.Errorf("holds of the message = %+v, %v; want approved then held by rule big", holds, err)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM river_job"); n != 2 {
			t.Errorf("river jobs = %d, want 2", n)
		}
	})
}

func TestHeldRemindersAndExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now})
		ctx := context.Background()
		begin(t, s, 7, 0)
		start := clock.Now()
		out := intake(t, s, 7, heldMessage(1, "<h@x>", 10*time.Hour), heldMessage(2, "<decided@x>", 10*time.Hour))
		if err := s.RejectHeld(ctx, out[1].HeldID, "mod", ""); err != nil {
			t.Fatal(err)
		}
		id := out[0].HeldID
		steps := []struct {
			at        time.Duration
			reminders []int64
		}{{4 * time.Hour, nil}, {5 * time.Hour, []int64{id}}}
		for _, st := range steps {
			got, err := s.DueReminders(ctx, start.Add(st.at))
			if err != nil || !sameIDs(heldIDs(got), st.reminders) {
				t.Errorf("DueReminders at +%v = %v, %v; want %v", st.at, heldIDs(got), err, st.reminders)
			}
		}
		if err := s.MarkReminded(ctx, id, start.Add(5*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.DueReminders(ctx, start.Add(6*time.Hour)); len(got) != 0 {
			t.Errorf("DueReminders after MarkReminded = %v, want none", heldIDs(got))
		}
		if err := s.MarkReminded(ctx, 9999, start); !errors.Is(err, ErrNotFound) {
			t.Errorf("MarkReminded(unknown) = %v, want ErrNotFound", err)
		}
		checkExpiry(t, s, id, start)
	})
}

func checkExpiry(t *testing.T, s *Store, id int64, start time.Time) {
	t.Helper()
	ctx := context.Background()
	if got, err := s.ExpireHeld(ctx, start.Add(10*time.Hour-time.Microsecond)); err != nil || len(got) != 0 {
		t.Fatalf("ExpireHeld before expiry = %v, %v; want none", heldIDs(got), err)
	}
	got, err := s.ExpireHeld(ctx, start.Add(10*time.Hour))
	if err != nil || len(got) != 1 || got[0].ID != id || got[0].State != HeldExpired || got[0].MessageID != "<h@x>" {
		t.Fatalf("ExpireHeld at expiry = %+v, %v; want message %d expired", got, err, id)
	}
	if again, _ := s.ExpireHeld(ctx, start.Add(20*time.Hour)); len(again) != 0 {
		t.Errorf("ExpireHeld again = %v, want none", heldIDs(again))
	}
	if err := s.ApproveHeld(ctx, id, "mod", forward("gender")); !errors.Is(err, ErrWrongState) {
		t.Errorf("ApproveHeld(expired) = %v, want ErrWrongState", err)
	}
}

func heldIDs(hs []HeldInfo) []int64 {
	var ids []int64
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	return ids
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPurgeRawKeepsWhatWaitsForPeopleOrSlots(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		review := reply(3, "zoe@itu.int", slot1)
		review.Pending[0].Held = true
		out := intake(t, s, 7, heldMessage(1, "<h@x>", 0), reply(2, "zoe@itu.int", slot1), review,
			message(4, "<done@x>", "nothing waits"))
		if n, err := s.PurgeRaw(ctx, -1); err != nil || n != 1 {
			t.Fatalf("PurgeRaw = %d, %v; want only the message nothing waits for", n, err)
		}
		for _, o := range out[:3] {
			if _, err := s.MessageRaw(ctx, o.MessageRef); err != nil {
				t.Errorf("raw of waiting message %d: %v", o.MessageRef, err)
			}
		}
		if err := s.RejectHeld(ctx, out[0].HeldID, "mod", ""); err != nil {
			t.Fatal(err)
		}
		key := BatchKey{Schedule: replies, Slot: slot1, Destination: "zoe@itu.int"}
		if _, err := s.BeginBatch(ctx, key, out[1].PendingIDs); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.PurgeRaw(ctx, -1); n != 1 {
			t.Errorf("PurgeRaw after the rejection = %d, want 1 (the batched reply is not sent yet)", n)
		}
		if err := s.MarkBatchSent(ctx, key); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.PurgeRaw(ctx, -1); n != 1 {
			t.Errorf("PurgeRaw after the batch was sent = %d, want 1", n)
		}
	})
}
