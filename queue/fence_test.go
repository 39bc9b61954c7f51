package queue

import (
	"context"
	"errors"
	"testing"
	"time"
)

// An intake commit made under a lease that was since taken over (the
// holder paused past its expiry) is refused, and records nothing.
func TestIntakeFencedByLease(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now, DBNow: clock.Now})
		ctx := context.Background()
		begin(t, s, 7, 0)
		held, ok, err := s.TakeLease(ctx, "imap:bureau/INBOX", "a", time.Minute)
		if err != nil || !ok {
			t.Fatalf("a takes the lease: %v, %v", ok, err)
		}
		if _, err := s.Intake(WithLease(ctx, held), inbox, 7, []Incoming{message(1, "<1@x>", "one", "gender")}); err != nil {
			t.Fatalf("intake under a held lease: %v", err)
		}
		clock.Add(2 * time.Minute) // a is paused past its lease
		if l, ok, err := s.TakeLease(ctx, "imap:bureau/INBOX", "b", time.Minute); err != nil || !ok || l.Fence <= held.Fence {
			t.Fatalf("b takes the expired lease: %+v, %v, %v; want a greater fence than %d", l, ok, err, held.Fence)
		}
		_, err = s.Intake(WithLease(ctx, held), inbox, 7, []Incoming{message(2, "<2@x>", "two", "gender")})
		if !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("intake under a lost lease = %v, want ErrLeaseLost", err)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM messages"); n != 1 {
			t.Errorf("messages = %d, want 1 (nothing committed under the lost lease)", n)
		}
	})
}

// Taking one's own lease again is a new acquisition: what the previous
// one started cannot commit any more.
func TestLeaseReacquiredRaisesFence(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		first, _, err := s.TakeLease(ctx, "imap:bureau/INBOX", "a", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		second, ok, err := s.TakeLease(ctx, "imap:bureau/INBOX", "a", time.Minute)
		if err != nil || !ok || second.Fence != first.Fence+1 {
			t.Fatalf("second acquisition = %+v, %v, %v; want fence %d", second, ok, err, first.Fence+1)
		}
		if _, err := s.Intake(WithLease(ctx, first), inbox, 7, []Incoming{message(1, "<1@x>", "one")}); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("intake under the first acquisition = %v, want ErrLeaseLost", err)
		}
		other, ok, err := s.TakeLease(ctx, "imap:bureau/INBOX", "b", time.Minute)
		if err != nil || ok || other.Holder != "a" {
			t.Errorf("b's attempt = %+v, %v, %v; want refused, naming holder a", other, ok, err)
		}
	})
}

// A lease recorded while the clock was far ahead does not hold the
// mailbox until real time catches up.
func TestLeaseRecordedAheadIsNotHeld(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now, DBNow: clock.Now})
		ctx := context.Background()
		clock.Add(365 * 24 * time.Hour)
		if ok, err := s.AcquireLease(ctx, "imap:bureau/INBOX", "a", time.Minute); err != nil || !ok {
			t.Fatalf("a takes the lease a year ahead: %v, %v", ok, err)
		}
		clock.Add(-365 * 24 * time.Hour) // the clock is corrected; a has died
		if ok, err := s.AcquireLease(ctx, "imap:bureau/INBOX", "b", time.Minute); err != nil || !ok {
			t.Errorf("b takes a lease recorded a year ahead = %v, %v; want taken", ok, err)
		}
	})
}

// On PostgreSQL heartbeats and the decision that an instance is dead use
// the database's clock: a host whose clock runs minutes behind is alive.
func TestSkewedInstanceIsNotTakenForDead(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		behind := openTest(t, dsn, Options{Now: func() time.Time { return time.Now().Add(-5 * time.Minute) }})
		if behind.dialect != dialectPostgres {
			t.Skip("SQLite has one daemon and one clock")
		}
		other := openTest(t, dsn, Options{})
		claim(t, behind)
		claim(t, other)
		dead, err := other.deadInstances(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if dead[behind.instanceID] {
			t.Errorf("an instance whose host clock is 5 minutes behind was taken for dead")
		}
	})
}

// An instance deregistered as dead (it paused past the deadline) registers
// again at its next heartbeat.
func TestDeregisteredInstanceRegistersAgain(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		if s.dialect != dialectPostgres {
			t.Skip("SQLite has one daemon: no registry of instances")
		}
		claim(t, s)
		if _, err := s.db.Exec(s.q("DELETE FROM instances WHERE id = ?"), s.instanceID); err != nil {
			t.Fatal(err)
		}
		if err := s.heartbeat(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM instances WHERE id = ?", s.instanceID); n != 1 {
			t.Errorf("instance rows after a heartbeat = %d, want 1", n)
		}
	})
}

// A schedule run while the clock was a year ahead does not stop the
// schedule until real time catches up.
func TestLastRunRecordedAheadCountsAsNotRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now, DBNow: clock.Now})
		ctx := context.Background()
		ahead := clock.Now().Add(365 * 24 * time.Hour)
		if err := s.SetLastRun(ctx, "replies", ahead); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.LastRun(ctx, "replies"); err != nil || ok {
			t.Errorf("LastRun recorded a year ahead = %v, %v; want not run", ok, err)
		}
		now := clock.Now().Truncate(time.Hour)
		if err := s.SetLastRun(ctx, "replies", now); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.LastRun(ctx, "replies"); err != nil || !ok || !got.Equal(now) {
			t.Errorf("LastRun after a run at the corrected time = %v, %v, %v; want %v", got, ok, err, now)
		}
	})
}

// A slot claim of a dead claimant expires and is taken over; the claimant
// renews its own; on SQLite a daemon's start releases the claims left.
func TestSlotClaimExpiresAndIsTakenOver(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now, DBNow: clock.Now})
		ctx := context.Background()
		slot := clock.Now().Truncate(time.Hour)
		if ok, err := s.ClaimSlot(ctx, "replies", slot, "a"); err != nil || !ok {
			t.Fatalf("a claims: %v, %v", ok, err)
		}
		clock.Add(SlotClaimTTL - time.Minute)
		if ok, _ := s.ClaimSlot(ctx, "replies", slot, "b"); ok {
			t.Fatal("b took a live claim")
		}
		if ok, err := s.ClaimSlot(ctx, "replies", slot, "a"); err != nil || !ok {
			t.Fatalf("a renews: %v, %v", ok, err)
		}
		clock.Add(SlotClaimTTL - time.Minute)
		if ok, _ := s.ClaimSlot(ctx, "replies", slot, "b"); ok {
			t.Fatal("b took a renewed claim")
		}
		clock.Add(2 * time.Minute)
		if ok, err := s.ClaimSlot(ctx, "replies", slot, "b"); err != nil || !ok {
			t.Fatalf("b takes the expired claim: %v, %v", ok, err)
		}
		if s.dialect == dialectSQLite {
			claim(t, s)
			if ok, err := s.ClaimSlot(ctx, "replies", slot, "c"); err != nil || !ok {
				t.Errorf("after a daemon start, c takes the claim left by b: %v, %v", ok, err)
			}
		}
	})
}
