package queue

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

const replies = "CRON_TZ=Europe/Zurich 0 17 * * *"

var (
	slot1 = time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)
	slot2 = slot1.Add(24 * time.Hour)
)

// reply is an Incoming that is a caucus's answer, waiting for a slot.
func reply(uid uint32, to string, due time.Time) Incoming {
	m := message(uid, fmt.Sprintf("<reply%d@x>", uid), "our answer")
	m.Decision = "reply"
	m.Pending = []NewPending{{Kind: KindReply, InvitationRef: 0, Caucus: "gender", Destination: to,
		Schedule: replies, DueSlot: due}}
	return m
}

func pendingIDs(ps []PendingItem) []int64 {
	var ids []int64
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestDuePendingBySlotAndDestination(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		out := intake(t, s, 7, reply(1, "zoe@itu.int", slot1), reply(2, "ann@un.org", slot1),
			reply(3, "zoe@itu.int", slot1), reply(4, "ann@un.org", slot2))
		other := reply(5, "ann@un.org", slot1)
		other.Pending[0].Schedule = "@hourly"
		intake(t, s, 7, other)
		id := func(i int) int64 { return out[i].PendingIDs[0] }
		tests := []struct {
			slot time.Time
			want []int64
		}{
			{slot1.Add(-time.Second), nil},
			{slot1, []int64{id(1), id(0), id(2)}},
			{slot2.Add(time.Hour), []int64{id(1), id(3), id(0), id(2)}}, // a late run catches up
		}
		for _, tt := range tests {
			got, err := s.DuePending(ctx, replies, tt.slot)
			if err != nil || !sameIDs(pendingIDs(got), tt.want) {
				t.Errorf("DuePending(%v) = %v, %v; want %v", tt.slot, pendingIDs(got), err, tt.want)
			}
		}
		got, _ := s.DuePending(ctx, replies, slot1)
		want := PendingItem{ID: id(1), Kind: KindReply, MessageRef: out[1].MessageRef, Caucus: "gender",
			Destination: "ann@un.org", Schedule: replies, DueSlot: slot1, State: PendingWaiting, CreatedAt: got[0].CreatedAt}
		if !reflect.DeepEqual(got[0], want) {
			t.Errorf("item = %+v\nwant   %+v", got[0], want)
		}
	})
}

func TestGroupByDestination(t *testing.T) {
	item := func(id int64, to string) PendingItem { return PendingItem{ID: id, Destination: to} }
	tests := []struct {
		in   []PendingItem
		want [][]int64
	}{
		{nil, nil},
		{[]PendingItem{item(1, "a")}, [][]int64{{1}}},
		{[]PendingItem{item(1, "a"), item(3, "a"), item(2, "b")}, [][]int64{{1, 3}, {2}}},
	}
	for _, tt := range tests {
		var got [][]int64
		for _, g := range GroupByDestination(tt.in) {
			got = append(got, pendingIDs(g))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("GroupByDestination(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBatchKeyRepeatsNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		out := intake(t, s, 7, reply(1, "zoe@itu.int", slot1), reply(2, "zoe@itu.int", slot1),
			reply(3, "ann@un.org", slot1))
		zoe := []int64{out[0].PendingIDs[0], out[1].PendingIDs[0]}
		key := BatchKey{Schedule: replies, Slot: slot1, Destination: "zoe@itu.int"}
		// ann's item is passed too: a batch takes only its destination's.
		first, err := s.BeginBatch(ctx, key, append(zoe, out[2].PendingIDs[0]))
		if err != nil || first.State != BatchOpen || !sameIDs(pendingIDs(first.Items), zoe) {
			t.Fatalf("BeginBatch = %+v, %v; want open with %v", first, err, zoe)
		}
		again, err := s.BeginBatch(ctx, key, nil) // a resumed run
		if err != nil || again.ID != first.ID || !sameIDs(pendingIDs(again.Items), zoe) {
			t.Errorf("BeginBatch again = %+v, %v; want the same batch %d", again, err, first.ID)
		}
		later, err := s.BeginBatch(ctx, BatchKey{Schedule: replies, Slot: slot2, Destination: "zoe@itu.int"}, zoe)
		if err != nil || len(later.Items) != 0 || later.State == BatchOpen {
			t.Errorf("a later batch = %+v, %v; want none of the items another batch holds, and not left open empty", later, err)
		}
		due, _ := s.DuePending(ctx, replies, slot2)
		if !sameIDs(pendingIDs(due), []int64{out[2].PendingIDs[0]}) {
			t.Errorf("DuePending after batching = %v, want only ann's item", pendingIDs(due))
		}
		checkOpenThenSent(t, s, key, first.ID, zoe)
	})
}

func checkOpenThenSent(t *testing.T, s *Store, key BatchKey, id int64, items []int64) {
	t.Helper()
	ctx := context.Background()
	open, err := s.OpenBatches(ctx, replies)
	// An empty batch is not kept open: with two instances on an immediate
	// schedule they piled up, one a second.
	if err != nil || len(open) != 1 || open[0].ID != id || !open[0].Key.Slot.Equal(key.Slot) {
		t.Fatalf("OpenBatches = %+v, %v; want batch %d alone", open, err, id)
	}
	for range 2 { // marking twice is no error
		if err := s.MarkBatchSent(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	b, err := s.BeginBatch(ctx, key, items)
	if err != nil || b.State != BatchSent || b.SentAt.IsZero() {
		t.Fatalf("BeginBatch after sent = %+v, %v; want state sent: nothing to attempt", b, err)
	}
	for _, it := range b.Items {
		if it.State != PendingSent || it.SentAt.IsZero() {
			t.Errorf("item %d = %s, want sent", it.ID, it.State)
		}
	}
	if open, _ := s.OpenBatches(ctx, replies); len(open) != 0 {
		t.Errorf("OpenBatches after sent = %+v, want none", open)
	}
	if err := s.MarkBatchFailed(ctx, key, "550 no"); !errors.Is(err, ErrWrongState) {
		t.Errorf("MarkBatchFailed(sent) = %v, want ErrWrongState", err)
	}
	missing := BatchKey{Schedule: replies, Slot: key.Slot, Destination: "nobody@x"}
	if err := s.MarkBatchSent(ctx, missing); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkBatchSent(unknown) = %v, want ErrNotFound", err)
	}
}

func TestBatchFailed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		out := intake(t, s, 7, reply(1, "zoe@itu.int", slot1))
		key := BatchKey{Schedule: replies, Slot: slot1, Destination: "zoe@itu.int"}
		if _, err := s.BeginBatch(ctx, key, out[0].PendingIDs); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkBatchFailed(ctx, key, "550 mailbox unknown"); err != nil {
			t.Fatal(err)
		}
		b, err := s.GetBatch(ctx, key)
		if err != nil || b.State != BatchFailed || b.LastError != "550 mailbox unknown" ||
			len(b.Items) != 1 || b.Items[0].State != PendingFailed {
			t.Errorf("GetBatch = %+v, %v; want failed with its item", b, err)
		}
		if err := s.MarkBatchSent(ctx, key); !errors.Is(err, ErrWrongState) {
			t.Errorf("MarkBatchSent(failed) = %v, want ErrWrongState", err)
		}
	})
}

func TestBeginBatchConcurrentlyOneBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		a, b := openTest(t, dsn, Options{}), openTest(t, dsn, Options{})
		begin(t, a, 7, 0)
		out := intake(t, a, 7, reply(1, "zoe@itu.int", slot1), reply(2, "zoe@itu.int", slot1))
		ids := []int64{out[0].PendingIDs[0], out[1].PendingIDs[0]}
		key := BatchKey{Schedule: replies, Slot: slot1, Destination: "zoe@itu.int"}
		got := make([]Batch, 4)
		var wg sync.WaitGroup
		for i := range got {
			s := []*Store{a, b}[i%2]
			wg.Go(func() {
				var err error
				if got[i], err = s.BeginBatch(context.Background(), key, ids); err != nil {
					t.Errorf("BeginBatch: %v", err)
				}
			})
		}
		wg.Wait()
		for i, g := range got {
			if g.ID != got[0].ID || !sameIDs(pendingIDs(g.Items), ids) {
				t.Errorf("caller %d got batch %d with %v, want batch %d with %v", i, g.ID, pendingIDs(g.Items), got[0].ID, ids)
			}
		}
	})
}

func TestPendingHeldForReview(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		held, dropped := reply(1, "zoe@itu.int", slot1), reply(2, "zoe@itu.int", slot1)
		held.Pending[0].Held, dropped.Pending[0].Held = true, true
		out := intake(t, s, 7, held, dropped)
		if due, _ := s.DuePending(ctx, replies, slot2); len(due) != 0 {
			t.Fatalf("items under review are due: %v", pendingIDs(due))
		}
		id := out[0].PendingIDs[0]
		if err := s.ReleasePending(ctx, id, slot2); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.DuePending(ctx, replies, slot1); len(due) != 0 {
			t.Errorf("released item due at its old slot")
		}
		due, _ := s.DuePending(ctx, replies, slot2)
		if !sameIDs(pendingIDs(due), []int64{id}) || !due[0].DueSlot.Equal(slot2) {
			t.Errorf("DuePending after release = %+v, want item %d due at %v", due, id, slot2)
		}
		if err := s.ReleasePending(ctx, id, slot2); !errors.Is(err, ErrWrongState) {
			t.Errorf("ReleasePending(pending) = %v, want ErrWrongState", err)
		}
		if err := s.DropPending(ctx, out[1].PendingIDs[0]); err != nil {
			t.Fatal(err)
		}
		if err := s.DropPending(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("DropPending(unknown) = %v, want ErrNotFound", err)
		}
		list, err := s.ListPending(ctx, PendingFilter{States: []PendingState{PendingDropped}})
		if err != nil || !sameIDs(pendingIDs(list), out[1].PendingIDs) {
			t.Errorf("ListPending(dropped) = %v, %v; want %v", pendingIDs(list), err, out[1].PendingIDs)
		}
	})
}

func TestClaimSlotOneWinnerAcrossStores(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		stores := []*Store{openTest(t, dsn, Options{}), openTest(t, dsn, Options{})}
		won := make([]bool, 6)
		var wg sync.WaitGroup
		for i := range won {
			s := stores[i%2]
			wg.Go(func() {
				var err error
				if won[i], err = s.ClaimSlot(context.Background(), replies, slot1, fmt.Sprintf("instance-%d", i)); err != nil {
					t.Errorf("ClaimSlot: %v", err)
				}
			})
		}
		wg.Wait()
		winner := -1
		for i, w := range won {
			if w && winner >= 0 {
				t.Fatalf("instances %d and %d both won the slot", winner, i)
			}
			if w {
				winner = i
			}
		}
		if winner < 0 {
			t.Fatal("no instance won the slot")
		}
		ctx := context.Background()
		if ok, err := stores[0].ClaimSlot(ctx, replies, slot1, fmt.Sprintf("instance-%d", winner)); err != nil || !ok {
			t.Errorf("the winner's claim again = %v, %v; want true", ok, err)
		}
		if ok, err := stores[0].ClaimSlot(ctx, replies, slot2, "instance-x"); err != nil || !ok {
			t.Errorf("claim of the next slot = %v, %v; want true", ok, err)
		}
		if err := stores[0].releaseSlotClaims(ctx, fmt.Sprintf("instance-%d", winner)); err != nil {
			t.Fatal(err) // only claims nobody holds are pruned (TestPruneKeepsLiveSlotClaims)
		}
		if n, err := stores[1].PruneSlotClaims(ctx, slot2); err != nil || n != 1 {
			t.Errorf("PruneSlotClaims = %d, %v; want the first slot's claim", n, err)
		}
		if ok, _ := stores[1].ClaimSlot(ctx, replies, slot2, "instance-y"); ok {
			t.Error("a pruned claim of an earlier slot freed a later one")
		}
	})
}

func TestSchedules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now})
		ctx := context.Background()
		begin(t, s, 7, 0)
		review := reply(3, "zoe@itu.int", slot1)
		review.Pending[0].Held = true
		intake(t, s, 7, reply(1, "zoe@itu.int", slot2), reply(2, "ann@un.org", slot1), review)
		if err := s.SetLastRun(ctx, "@hourly", slot1); err != nil {
			t.Fatal(err)
		}
		got, err := s.Schedules(ctx)
		want := []ScheduleInfo{
			// RanAt: when the slot was run, which the admin page shows
			// (the slot can precede the daemon's first start).
			{ID: "@hourly", Spec: "@hourly", LastRun: slot1, RanAt: clock.Now()},
			{ID: replies, Spec: replies, Pending: 2, Held: 1, NextDue: slot1},
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Schedules = %+v, %v\nwant %+v", got, err, want)
		}
	})
}

func TestIntakeFollowUpsAreAtomic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		begin(t, s, 7, 0)
		bad := reply(2, "zoe@itu.int", slot1)
		bad.Pending[0].Kind = "carrier-pigeon"
		_, err := s.Intake(context.Background(), inbox, 7, []Incoming{heldMessage(1, "<h@x>", 0), bad})
		if err == nil {
			t.Fatal("Intake with an invalid pending item succeeded")
		}
		for _, table := range []string{"messages", "held", "pending_items"} {
			if n := count(t, s, "SELECT COUNT(*) FROM "+table); n != 0 {
				t.Errorf("%s has %d rows after a failed intake, want 0", table, n)
			}
		}
		first := intake(t, s, 7, heldMessage(1, "<h@x>", 0), reply(2, "zoe@itu.int", slot1))
		again := intake(t, s, 7, heldMessage(1, "<h@x>", 0), reply(2, "zoe@itu.int", slot1))
		if again[0].HeldID != 0 || len(again[1].PendingIDs) != 0 || first[0].HeldID == 0 {
			t.Errorf("re-intake = %+v, want no second hold or item", again)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM held") + count(t, s, "SELECT COUNT(*) FROM pending_items"); n != 2 {
			t.Errorf("held + pending rows = %d, want 2", n)
		}
	})
}
