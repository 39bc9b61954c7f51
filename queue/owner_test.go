package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// gate is a relay whose every call waits until the test answers it: an
// instance paused mid-attempt (a GC pause, a network blip) and its
// successor, side by side.
type gate struct {
	mu     sync.Mutex
	calls  int
	called chan chan error
}

func newGate() *gate { return &gate{called: make(chan chan error, 10)} }

func (g *gate) Deliver(ctx context.Context, d Delivery, raw io.Reader) error {
	if _, err := io.ReadAll(raw); err != nil {
		return err
	}
	g.mu.Lock()
	g.calls++
	g.mu.Unlock()
	answer := make(chan error)
	g.called <- answer
	return <-answer
}

func (g *gate) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// next waits for the next attempt to reach the relay and returns its answer
// channel.
func (g *gate) next(t *testing.T) chan error {
	t.Helper()
	select {
	case a := <-g.called:
		return a
	case <-time.After(20 * time.Second):
		t.Fatal("no attempt reached the relay")
		return nil
	}
}

// pausedAndSuccessor starts an instance whose attempt reaches the relay and
// stalls, has a second instance reclaim it as dead, and returns both
// stores, the delivery and the stalled and the retry's answer channels.
func pausedAndSuccessor(t *testing.T, dsn string) (paused, successor *Store, id int64, g *gate, stalled, retry chan error) {
	t.Helper()
	ctx := context.Background()
	paused = openTest(t, dsn, Options{})
	successor = openTest(t, dsn, Options{})
	begin(t, paused, 7, 0)
	id = intake(t, paused, 7, message(1, "<a@x>", "invitation", "gender"))[0].DeliveryIDs[0]
	g = newGate()
	if err := paused.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	stalled = g.next(t)
	if paused.dialect == dialectPostgres {
		// The paused instance's heartbeat is a minute old.
		old := paused.micros(time.Now().Add(-2 * instanceDeadAfter))
		if _, err := paused.db.Exec(paused.q(`INSERT INTO instances (id, host, pid, started_at, heartbeat_at)
			VALUES (?, 'paused', 1, ?, ?)`), paused.instanceID, old, old); err != nil {
			t.Fatal(err)
		}
	}
	claim(t, successor)
	if err := successor.Start(ctx, g); err != nil {
		t.Fatal(err)
	}
	retry = g.next(t)
	return paused, successor, id, g, stalled, retry
}

// A reclaimed attempt that wakes up and fails must not reschedule the job
// its successor is running: that would start a third attempt while the
// second is still in the relay's DATA.
func TestReclaimedAttemptFailingLateStartsNoThirdAttempt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		_, successor, id, g, stalled, retry := pausedAndSuccessor(t, dsn)
		stalled <- errors.New("451 4.4.1 late temporary failure")
		time.Sleep(100 * time.Millisecond) // let the paused instance's River record its answer
		if _, err := successor.PromoteDue(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if n := g.count(); n != 2 {
			t.Errorf("relay saw %d attempts while the retry was in flight, want 2", n)
		}
		retry <- nil
		waitFor(t, "retry recorded as sent", func() (bool, error) {
			return readDelivery(t, successor, id).State == StateSent, nil
		})
		if n := count(t, successor, "SELECT duplicates FROM deliveries WHERE id = ?", id); n != 0 {
			t.Errorf("duplicates = %d, want 0", n)
		}
	})
}

// A reclaimed attempt that the relay accepts after its retry started is a
// counted duplicate, and the delivery is sent whatever the retry answers.
func TestReclaimedAttemptAcceptedLateIsCountedDuplicate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		_, successor, id, g, stalled, retry := pausedAndSuccessor(t, dsn)
		stalled <- nil
		waitFor(t, "late acceptance recorded", func() (bool, error) {
			return count(t, successor, "SELECT duplicates FROM deliveries WHERE id = ?", id) == 1, nil
		})
		retry <- errors.New("421 4.3.0 try again later")
		time.Sleep(300 * time.Millisecond)
		if _, err := successor.PromoteDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if st := readDelivery(t, successor, id).State; st != StateSent {
			t.Errorf("state = %s, want sent", st)
		}
		if n := g.count(); n != 2 {
			t.Errorf("relay saw %d attempts, want 2", n)
		}
	})
}

// A reclaimed attempt that the relay accepts before any retry started
// counts as the delivery, and the retry the reclaim scheduled sends
// nothing. The paused attempt is driven by hand, so that no live worker
// can start the retry before the late acceptance arrives.
func TestReclaimedAttemptAcceptedBeforeRetryCancelsIt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		begin(t, s, 7, 0)
		id := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))[0].DeliveryIDs[0]
		crash(t, s, id, 0) // River fetched the job for an instance that then paused
		job, err := s.client.JobGet(ctx, readDelivery(t, s, id).JobID)
		if err != nil {
			t.Fatal(err)
		}
		d, ok, err := s.startAttempt(ctx, nil, id, job.ID)
		if err != nil || !ok {
			t.Fatalf("start the paused attempt: %v, %v", ok, err)
		}
		claim(t, s) // the retry is scheduled, not started
		late := &river.Job[deliveryArgs]{JobRow: job, Args: deliveryArgs{DeliveryID: id}}
		if err := s.finishAttempt(ctx, late, d, nil, time.Second); err != nil {
			t.Fatalf("late acceptance: %v", err)
		}
		if st := readDelivery(t, s, id).State; st != StateSent {
			t.Fatalf("state after the late acceptance = %s, want sent", st)
		}
		r := newRecorder(nil)
		if err := s.Start(ctx, r); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "scheduled retry ran", func() (bool, error) { return s.Idle(ctx) })
		if n := len(r.callsFor(id)); n != 0 {
			t.Errorf("retry sent %d copies after the late acceptance, want 0", n)
		}
		if n := count(t, s, "SELECT duplicates FROM deliveries WHERE id = ?", id); n != 0 {
			t.Errorf("duplicates = %d, want 0", n)
		}
	})
}

// A partial acceptance records the delivery as sent and the delivery of
// the recipients refused for now in one commit.
func TestPartialAcceptanceRequeuesWithTheSentRecord(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		var once sync.Once
		r := newRecorder(nil)
		r.answer = func(d Delivery) error {
			var err error
			once.Do(func() {
				err = &PartiallyAccepted{Requeue: []NewDelivery{{Caucus: d.Caucus, EnvelopeFrom: d.EnvelopeFrom,
					Recipients: []string{"later@example.org"}, Spec: d.Spec}}}
			})
			return err
		}
		s := startWorkers(t, dsn, r, Options{})
		begin(t, s, 7, 0)
		id := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))[0].DeliveryIDs[0]
		o := r.waitOutcomes(t, 2)
		if o[0].State != StateSent || o[0].Err != nil || o[0].Delivery.ID != id {
			t.Errorf("first outcome = %+v, want delivery %d sent without error", o[0], id)
		}
		if o[1].State != StateSent || o[1].Delivery.ID == id || len(o[1].Delivery.Recipients) != 1 || o[1].Delivery.Recipients[0] != "later@example.org" {
			t.Errorf("second outcome = %+v, want the requeued recipient sent", o[1])
		}
	})
}

// TestResultRecordedOnceOwnedOnce records one attempt's "sent" twice, as a
// sender does when a commit's answer was lost: the second finds it
// recorded, still owns the delivery and counts nothing again. A result
// for an attempt a later one replaced changes nothing and owns nothing.
// With a settlement (the hand-off's senders; on PostgreSQL in the same
// statement as the record when it is written), the job is settled each
// time as the owner's answer says.
func TestResultRecordedOnceOwnedOnce(t *testing.T) {
	for _, settling := range []bool{false, true} {
		t.Run(fmt.Sprintf("settling %v", settling), func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, dsn string) {
				testResultRecordedOnceOwnedOnce(t, dsn, settling)
			})
		})
	}
}

func testResultRecordedOnceOwnedOnce(t *testing.T, dsn string, settling bool) {
	s := openTest(t, dsn, Options{})
	ctx := context.Background()
	begin(t, s, 7, 0)
	id := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))[0].DeliveryIDs[0]
	d, job, claimed, err := s.claimHandedOff(ctx, id)
	if err != nil || !claimed {
		t.Fatalf("claimHandedOff = %v, %v; want claimed", claimed, err)
	}
	var settled []bool
	var settle func(owner bool) jobSettlement
	if settling {
		// The owner's settlement completes the job, the other's cancels
		// it: which one ran shows in the job's state.
		settle = func(owner bool) jobSettlement {
			settled = append(settled, owner)
			if owner {
				return settlementOf(job, nil, time.Now())
			}
			return settlementOf(job, river.JobCancel(errors.New("not the owner")), time.Now())
		}
	}
	sent := attemptResult{state: StateSent}
	for try := 1; try <= 2; try++ {
		owner, err := s.recordOwned(ctx, d, sent, settle)
		if err != nil || !owner {
			t.Fatalf("record sent, try %d = %v, %v; want owner", try, owner, err)
		}
		if st := jobState(t, s, job.ID); settling && st != rivertype.JobStateCompleted {
			t.Errorf("job after try %d: %s, want completed", try, st)
		}
	}
	if got := readDelivery(t, s, id); got.State != StateSent || got.Started != 1 || got.Finished != 1 {
		t.Errorf("after two records = %+v, want sent, 1 started, 1 finished", got)
	}

	// A later attempt took the delivery over (a reclaim), its job running.
	if _, err := s.db.Exec(s.q(`UPDATE deliveries SET state = 'pending', attempts_started = 2 WHERE id = ?`), id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(s.q(`UPDATE river_job SET state = 'running', finalized_at = NULL WHERE id = ?`), job.ID); err != nil {
		t.Fatal(err)
	}
	owner, err := s.recordOwned(ctx, d, attemptResult{state: StatePending, err: errors.New("451 try later")}, settle)
	if err != nil || owner {
		t.Fatalf("stale attempt's record = %v, %v; want not owner", owner, err)
	}
	if got := readDelivery(t, s, id); got.State != StatePending || got.Finished != 1 || got.LastError != "" {
		t.Errorf("after a stale record = %+v, want unchanged but for the takeover", got)
	}
	if settling {
		if st := jobState(t, s, job.ID); st != rivertype.JobStateCancelled {
			t.Errorf("job after the stale record: %s, want cancelled (settled as not the owner)", st)
		}
		if len(settled) == 0 || settled[len(settled)-1] {
			t.Errorf("settlements asked for owners %v, want the last one not the owner's", settled)
		}
	}
}
