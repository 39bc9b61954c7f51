package queue

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

const deadClient = "cg_dead"

// crash leaves the store as a daemon killed mid-delivery leaves it: River
// fetched the job (state running, attempted by the dead client) and the
// delivery shows `crashed` attempts started and never finished.
func crash(t *testing.T, s *Store, deliveryID int64, crashed int) {
	t.Helper()
	ctx := context.Background()
	res, err := s.driver.GetExecutor().JobGetAvailable(ctx, &riverdriver.JobGetAvailableParams{
		ClientID: deadClient, MaxAttemptedBy: 100, MaxToLock: 10, Queue: "default"})
	if err != nil || len(res.Jobs) != 1 {
		t.Fatalf("fetch job as the dead client: %v (%d jobs)", err, len(res.Jobs))
	}
	if _, err := s.db.Exec(s.q("UPDATE deliveries SET attempts_started = ? WHERE id = ?"), crashed, deliveryID); err != nil {
		t.Fatal(err)
	}
	if s.dialect == dialectPostgres {
		old := s.micros(time.Now().Add(-2 * instanceDeadAfter))
		if _, err := s.db.Exec(s.q(`INSERT INTO instances (id, host, pid, started_at, heartbeat_at)
			VALUES (?, 'gone', 1, ?, ?)`), deadClient, old, old); err != nil {
			t.Fatal(err)
		}
	}
}

func claim(t *testing.T, s *Store) {
	t.Helper()
	release, err := s.ClaimDaemon(context.Background())
	if err != nil {
		t.Fatalf("ClaimDaemon: %v", err)
	}
	t.Cleanup(release)
}

func TestReclaimAfterCrashIsDueAtOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		r := newRecorder(nil)
		s := openTest(t, dsn, Options{OnOutcome: r.onOutcome})
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))
		id := out[0].DeliveryIDs[0]
		crash(t, s, id, 1)
		claim(t, s)
		j, err := s.client.JobGet(context.Background(), readDelivery(t, s, id).JobID)
		if err != nil || j.State != rivertype.JobStateAvailable || j.ScheduledAt.After(time.Now()) {
			t.Fatalf("reclaimed job = %+v, %v; want available now", j, err)
		}
		if idle, err := s.Idle(context.Background()); err != nil || idle {
			t.Errorf("Idle with a reclaimed job = %v, %v; want false", idle, err)
		}
		if err := s.Start(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		o := r.waitOutcomes(t, 1)
		if o[0].State != StateSent || o[0].Delivery.Attempt != 2 {
			t.Errorf("outcome = %s attempt %d, want sent at attempt 2", o[0].State, o[0].Delivery.Attempt)
		}
	})
}

func TestRepeatedCrashBacksOff(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{Retry: DefaultRetryPolicy()})
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))
		id := out[0].DeliveryIDs[0]
		crash(t, s, id, 3)
		before := time.Now()
		claim(t, s)
		j, err := s.client.JobGet(context.Background(), readDelivery(t, s, id).JobID)
		if err != nil {
			t.Fatal(err)
		}
		// Two crashes before this one: the policy's second delay, 7.5 min ± 10%.
		if j.State != rivertype.JobStateRetryable || j.ScheduledAt.Before(before.Add(6*time.Minute)) {
			t.Errorf("job after 3 crashed attempts = %s at %v, want retryable ≥ 6 min after %v", j.State, j.ScheduledAt, before)
		}
		if idle, err := s.Idle(context.Background()); err != nil || !idle {
			t.Errorf("Idle with only a backed-off job = %v, %v; want true", idle, err)
		}
	})
}

func TestPromoteDue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{}) // fastRetry: the backoff is 1 ms
		ctx := context.Background()
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))
		id := out[0].DeliveryIDs[0]
		crash(t, s, id, 2)
		claim(t, s)
		jobID := readDelivery(t, s, id).JobID
		waitFor(t, "backoff passed", func() (bool, error) {
			j, err := s.client.JobGet(ctx, jobID)
			return err == nil && !j.ScheduledAt.After(time.Now()), err
		})
		if st := jobState(t, s, jobID); st != rivertype.JobStateRetryable {
			t.Fatalf("job state = %s, want retryable", st)
		}
		if idle, err := s.Idle(ctx); err != nil || idle {
			t.Errorf("Idle with a due retryable job = %v, %v; want false", idle, err)
		}
		if n, err := s.PromoteDue(ctx); err != nil || n != 1 {
			t.Errorf("PromoteDue = %d, %v; want 1", n, err)
		}
		if st := jobState(t, s, jobID); st != rivertype.JobStateAvailable {
			t.Errorf("job state after PromoteDue = %s, want available", st)
		}
	})
}

func TestClaimLeavesLiveInstancesAlone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		if s.dialect != dialectPostgres {
			t.Skip("SQLite has one daemon: every running job at claim time is an orphan")
		}
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))
		crash(t, s, out[0].DeliveryIDs[0], 1)
		if _, err := s.db.Exec(s.q("UPDATE instances SET heartbeat_at = ? WHERE id = ?"), s.micros(time.Now()), deadClient); err != nil {
			t.Fatal(err)
		}
		claim(t, s)
		if st := jobState(t, s, readDelivery(t, s, out[0].DeliveryIDs[0]).JobID); st != rivertype.JobStateRunning {
			t.Errorf("job of a live instance = %s, want still running", st)
		}
	})
}

func TestSecondDaemonIsRefused(t *testing.T) {
	t.Parallel()
	dsn := t.TempDir() + "/store.db"
	s1 := openTest(t, dsn, Options{})
	s2 := openTest(t, dsn, Options{}) // a CLI process may open it too
	claim(t, s1)
	_, err := s2.ClaimDaemon(context.Background())
	var inUse *StoreInUseError
	if !errors.As(err, &inUse) || inUse.PID != os.Getpid() {
		t.Fatalf("second ClaimDaemon = %v, want StoreInUseError naming pid %d", err, os.Getpid())
	}
	if _, err := s2.ListDeliveries(context.Background(), DeliveryFilter{}); err != nil {
		t.Errorf("CLI listing while a daemon holds the store: %v", err)
	}
}

// On SQLite one daemon holds the store (its flock): a mailbox lease left
// by a daemon killed with -9 is a dead one's, and the next daemon or
// `run -once` must not be refused for up to a lease's time after the kill.
func TestSQLiteDaemonTakesOverADeadDaemonsLeases(t *testing.T) {
	t.Parallel()
	dsn := t.TempDir() + "/store.db"
	dead := openTest(t, dsn, Options{})
	if ok, err := dead.AcquireLease(context.Background(), "imap:bureau/INBOX", "killed", time.Minute); err != nil || !ok {
		t.Fatalf("the killed daemon's lease: %v, %v", ok, err)
	}
	s := openTest(t, dsn, Options{})
	claim(t, s)
	if ok, err := s.AcquireLease(context.Background(), "imap:bureau/INBOX", "next", time.Minute); err != nil || !ok {
		t.Errorf("the next daemon takes the dead daemon's lease = %v, %v; want taken", ok, err)
	}
}
