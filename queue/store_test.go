package queue

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestMigrationsTwiceAreIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s1 := openTest(t, dsn, Options{})
		begin(t, s1, 7, 0)
		intake(t, s1, 7, message(1, "<a@x>", "kept", "gender"))
		s1.Close()
		s2 := openTest(t, dsn, Options{})
		want, err := loadMigrations(s2.dialect)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, s2, "SELECT COUNT(*) FROM caucusgate_migration"); n != len(want) {
			t.Errorf("%d migrations recorded, want %d", n, len(want))
		}
		if n := count(t, s2, "SELECT COUNT(*) FROM messages"); n != 1 {
			t.Errorf("messages after reopening = %d, want 1", n)
		}
	})
}

func TestConcurrentOpensBothSucceed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		const n = 3
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				s, err := Open(context.Background(), Options{DSN: dsn})
				if err == nil {
					s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
			}
		}
	})
}

func TestLeases(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		s := openTest(t, dsn, Options{Now: clock, DBNow: clock})
		ctx := context.Background()
		step := func(what string, got bool, err error, want bool) {
			t.Helper()
			if err != nil || got != want {
				t.Errorf("%s = %v, %v; want %v", what, got, err, want)
			}
		}
		ok, err := s.AcquireLease(ctx, "bureau/INBOX", "a", time.Minute)
		step("a acquires a free lease", ok, err, true)
		ok, err = s.AcquireLease(ctx, "bureau/INBOX", "b", time.Minute)
		step("b acquires a's lease", ok, err, false)
		ok, err = s.AcquireLease(ctx, "bureau/INBOX", "a", time.Minute)
		step("a re-acquires its own lease", ok, err, true)
		now = now.Add(50 * time.Second)
		ok, err = s.RenewLease(ctx, "bureau/INBOX", "a", time.Minute)
		step("a renews in time", ok, err, true)
		now = now.Add(61 * time.Second)
		ok, err = s.AcquireLease(ctx, "bureau/INBOX", "b", time.Minute)
		step("b takes the expired lease", ok, err, true)
		ok, err = s.RenewLease(ctx, "bureau/INBOX", "a", time.Minute)
		step("a renews a lost lease", ok, err, false)
		if err := s.ReleaseLease(ctx, "bureau/INBOX", "a"); err != nil {
			t.Fatal(err)
		}
		ok, err = s.RenewLease(ctx, "bureau/INBOX", "b", time.Minute)
		step("b keeps its lease after a's release", ok, err, true)
		if err := s.ReleaseLease(ctx, "bureau/INBOX", "b"); err != nil {
			t.Fatal(err)
		}
		ok, err = s.AcquireLease(ctx, "bureau/INBOX", "a", time.Minute)
		step("a acquires a released lease", ok, err, true)
	})
}

func TestScheduleLastRun(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		if _, ok, err := s.LastRun(ctx, "replies"); err != nil || ok {
			t.Fatalf("LastRun of a new schedule = %v, %v; want none", ok, err)
		}
		slot := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
		for _, set := range []time.Time{slot, slot.Add(-time.Hour)} {
			if err := s.SetLastRun(ctx, "replies", set); err != nil {
				t.Fatal(err)
			}
		}
		got, ok, err := s.LastRun(ctx, "replies")
		if err != nil || !ok || !got.Equal(slot) {
			t.Errorf("LastRun = %v, %v, %v; want %v (an earlier slot never moves it back)", got, ok, err, slot)
		}
	})
}
