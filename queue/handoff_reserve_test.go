package queue

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
)

// setGrace sets how long s's intake reserves deliveries for its running
// hand-off.
func setGrace(t testing.TB, s *Store, grace time.Duration) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handoff == nil {
		t.Fatal("hand-off not running")
	}
	s.handoff.grace = grace
}

// fetchAsRiver runs River's own fetch, as another instance's producer
// would at time now.
func fetchAsRiver(t *testing.T, s *Store, now time.Time) int {
	t.Helper()
	res, err := s.driver.GetExecutor().JobGetAvailable(context.Background(), &riverdriver.JobGetAvailableParams{
		ClientID: "cg_other", MaxAttemptedBy: 100, MaxToLock: 10, Now: &now, Queue: "default"})
	if err != nil {
		t.Fatalf("River's fetch: %v", err)
	}
	return len(res.Jobs)
}

// While the senders run, River's fetcher leaves a new delivery to them
// for the grace, and the senders can claim it at once; once the grace is
// over, River takes it.
func TestRiverLeavesAReservedDeliveryForTheGrace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		s.startHandoff(context.Background(), newRecorder(nil), 1)
		begin(t, s, 7, 0)
		first := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))[0].DeliveryIDs[0]
		intake(t, s, 7, message(2, "<b@x>", "another", "gender"))
		if n := fetchAsRiver(t, s, time.Now()); n != 0 {
			t.Fatalf("River fetched %d reserved jobs, want none", n)
		}
		if _, _, ok, err := s.claimHandedOff(context.Background(), first); err != nil || !ok {
			t.Fatalf("claimHandedOff = %v, %v; want claimed within the grace", ok, err)
		}
		if n := fetchAsRiver(t, s, time.Now().Add(handoffGrace+time.Second)); n != 1 {
			t.Fatalf("River fetched %d jobs after the grace, want the one not claimed", n)
		}
	})
}

// A delivery reserved for senders that stopped (or crashed) before they
// claimed it is sent by River's workers, of this or another instance,
// once the grace is over: nothing is lost, and it is sent once.
func TestReservedDeliveryLeftByTheHandOffIsSentByRiver(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		stopped := openTest(t, dsn, Options{})
		ctx := context.Background()
		stopped.startHandoff(ctx, newRecorder(nil), 1)
		setGrace(t, stopped, 300*time.Millisecond)
		begin(t, stopped, 7, 0)
		m := message(1, "<a@x>", "invitation", "gender")
		id := intake(t, stopped, 7, m)[0].DeliveryIDs[0]
		if err := stopped.stopHandoff(ctx); err != nil {
			t.Fatal(err)
		}
		r := newRecorder(nil)
		startWorkers(t, dsn, r, Options{})
		o := r.waitOutcomes(t, 1)
		calls := r.callsFor(id)
		if o[0].State != StateSent || len(calls) != 1 || !bytes.Equal(calls[0].raw, m.Raw) {
			t.Fatalf("outcome %s after %d calls, want sent once with the message", o[0].State, len(calls))
		}
	})
}

// Deliveries offered to the hand-off, twice each, while River's workers
// poll as fast as they can, are each sent once, with and without the
// grace (without it, River and the senders race for every delivery).
func TestHandOffAndRiverSendEachDeliveryOnceWithoutGrace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) { checkSentOnce(t, dsn, false) })
}
