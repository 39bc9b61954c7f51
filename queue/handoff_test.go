package queue

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// A delivery offered to the hand-off while River's worker sends it is not
// sent again: the sender's claim needs the job River already fetched.
func TestHandOffRefusesADeliveryRiverHas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		started, release := make(chan struct{}), make(chan struct{})
		r := newRecorder(func(Delivery) error { close(started); <-release; return nil })
		s := startWorkers(t, dsn, r, Options{})
		setGrace(t, s, 0) // River's worker must be first
		begin(t, s, 7, 0)
		m := message(1, "<a@x>", "invitation", "gender")
		id := intake(t, s, 7, m)[0].DeliveryIDs[0]
		<-started // River's worker holds it
		if err := s.attemptHandedOff(context.Background(), r, id, m.Raw); err != nil {
			t.Fatalf("attemptHandedOff: %v", err)
		}
		close(release)
		r.waitOutcomes(t, 1)
		if n := len(r.callsFor(id)); n != 1 {
			t.Fatalf("delivery sent %d times, want 1", n)
		}
		if row := readDelivery(t, s, id); row.State != StateSent || row.Started != 1 || row.Finished != 1 {
			t.Errorf("delivery = %+v, want sent after one attempt", row)
		}
	})
}

// A delivery the hand-off claimed is not fetched by River while it is in
// flight, and its job ends completed, from the copy in memory.
func TestRiverLeavesADeliveryTheHandOffHas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		r := newRecorder(nil)
		s := openTest(t, dsn, Options{OnOutcome: r.onOutcome})
		begin(t, s, 7, 0)
		m := message(1, "<a@x>", "invitation", "gender")
		id := intake(t, s, 7, m)[0].DeliveryIDs[0]
		ctx := context.Background()
		d, job, ok, err := s.claimHandedOff(ctx, id)
		if err != nil || !ok {
			t.Fatalf("claimHandedOff = %v, %v; want claimed", ok, err)
		}
		if _, _, again, err := s.claimHandedOff(ctx, id); err != nil || again {
			t.Fatalf("second claim = %v, %v; want refused", again, err)
		}
		if err := s.Start(ctx, r); err != nil {
			t.Fatal(err)
		}
		setGrace(t, s, 0) // the later message is River's at once
		// River's fetcher runs while the claim is held: it delivers a later
		// message, and must not take the claimed one.
		later := intake(t, s, 7, message(2, "<b@x>", "another", "gender"))[0].DeliveryIDs[0]
		r.waitOutcomes(t, 1)
		if n := len(r.callsFor(later)); n != 1 {
			t.Fatalf("later delivery sent %d times, want 1", n)
		}
		inMemory := bytes.Clone(m.Raw)
		deliverErr := s.deliver(ctx, r, d, inMemory)
		if err := s.finishHandedOff(ctx, job, d, deliverErr, 0); err != nil {
			t.Fatal(err)
		}
		if st := jobState(t, s, job.ID); st != rivertype.JobStateCompleted {
			t.Errorf("job %d state %s, want completed", job.ID, st)
		}
		calls := r.callsFor(id)
		if len(calls) != 1 || !bytes.Equal(calls[0].raw, m.Raw) {
			t.Fatalf("delivery: %d calls, want one with the raw message", len(calls))
		}
		if row := readDelivery(t, s, id); row.State != StateSent || row.Started != 1 || row.Finished != 1 {
			t.Errorf("delivery = %+v, want sent after one attempt", row)
		}
	})
}

// Deliveries offered to the hand-off, twice each, while River's workers
// poll as fast as they can, are each sent once.
func TestHandOffAndRiverSendEachDeliveryOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) { checkSentOnce(t, dsn, true) })
}

// checkSentOnce offers 80 deliveries to the hand-off twice each while
// River's workers poll as fast as they can, with or without the grace
// during which River leaves them to the senders, and checks each was sent
// once, after one attempt.
func checkSentOnce(t *testing.T, dsn string, grace bool) {
	r := newRecorder(nil)
	r.done = make(chan DeliveryOutcome, 200)
	s := startWorkers(t, dsn, r, Options{FetchPollInterval: fetchCooldown, Workers: 3})
	if !grace {
		setGrace(t, s, 0)
	}
	begin(t, s, 7, 0)
	var ids []int64
	for uid := uint32(1); uid <= 40; uid++ {
		m := message(uid, fmt.Sprintf("<%d@x>", uid), "invitation", "gender", "education")
		o := intake(t, s, 7, m)[0]
		s.HandOff(context.Background(), Offer{DeliveryIDs: o.DeliveryIDs, Raw: m.Raw})
		s.HandOff(context.Background(), Offer{DeliveryIDs: o.DeliveryIDs})
		ids = append(ids, o.DeliveryIDs...)
	}
	r.waitOutcomes(t, len(ids))
	for _, id := range ids {
		if n := len(r.callsFor(id)); n != 1 {
			t.Errorf("delivery %d sent %d times, want 1", id, n)
		}
		if row := readDelivery(t, s, id); row.State != StateSent || row.Started != 1 || row.Finished != 1 {
			t.Errorf("delivery %d = %+v, want sent after one attempt", id, row)
		}
	}
}

// A temporary failure of a handed-off attempt leaves the job to River's
// retries, which send it.
func TestHandedOffFailureIsRetriedByRiver(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		r := newRecorder(func(d Delivery) error {
			if d.Attempt == 1 {
				return tempErr{}
			}
			return nil
		})
		s := openTest(t, dsn, Options{OnOutcome: r.onOutcome})
		begin(t, s, 7, 0)
		m := message(1, "<a@x>", "invitation", "gender")
		id := intake(t, s, 7, m)[0].DeliveryIDs[0]
		ctx := context.Background()
		if err := s.attemptHandedOff(ctx, r, id, m.Raw); err != nil {
			t.Fatal(err)
		}
		if row := readDelivery(t, s, id); row.State != StatePending || row.Finished != 1 {
			t.Fatalf("after a temporary failure delivery = %+v, want pending", row)
		}
		if err := s.Start(ctx, r); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "retry sent", func() (bool, error) {
			if _, err := s.PromoteDue(ctx); err != nil {
				return false, err
			}
			return readDelivery(t, s, id).State == StateSent, nil
		})
		if n := len(r.callsFor(id)); n != 2 {
			t.Errorf("delivery attempted %d times, want 2", n)
		}
	})
}

// A delivery the hand-off of an instance claimed, which then died before
// it sent, is reclaimed by the next daemon (on PostgreSQL: by a live
// instance, from the claim's attempted_by) and sent once, as attempt 2.
func TestHandedOffClaimOfADeadInstanceIsReclaimed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		dead := openTest(t, dsn, Options{})
		begin(t, dead, 7, 0)
		id := intake(t, dead, 7, message(1, "<a@x>", "invitation", "gender"))[0].DeliveryIDs[0]
		ctx := context.Background()
		_, job, ok, err := dead.claimHandedOff(ctx, id)
		if err != nil || !ok {
			t.Fatalf("claimHandedOff = %v, %v; want claimed", ok, err)
		}
		row := getJob(t, dead, job.ID)
		if row.State != rivertype.JobStateRunning || row.AttemptedAt == nil ||
			len(row.AttemptedBy) != 1 || row.AttemptedBy[0] != dead.instanceID || row.Attempt != 1 {
			t.Fatalf("claimed job = %s attempt %d at %v by %v; want running attempt 1 by %s",
				row.State, row.Attempt, row.AttemptedAt, row.AttemptedBy, dead.instanceID)
		}
		if dead.dialect == dialectPostgres {
			old := dead.micros(time.Now().Add(-2 * instanceDeadAfter))
			if _, err := dead.db.Exec(dead.q(`INSERT INTO instances (id, host, pid, started_at, heartbeat_at)
				VALUES (?, 'gone', 1, ?, ?)`), dead.instanceID, old, old); err != nil {
				t.Fatal(err)
			}
		}
		r := newRecorder(nil)
		next := openTest(t, dsn, Options{OnOutcome: r.onOutcome})
		claim(t, next)
		if err := next.Start(ctx, r); err != nil {
			t.Fatal(err)
		}
		o := r.waitOutcomes(t, 1)
		if o[0].State != StateSent || o[0].Delivery.Attempt != 2 || len(r.callsFor(id)) != 1 {
			t.Errorf("outcome = %s attempt %d after %d calls, want sent once at attempt 2",
				o[0].State, o[0].Delivery.Attempt, len(r.callsFor(id)))
		}
		if st := jobState(t, next, job.ID); st != rivertype.JobStateCancelled {
			t.Errorf("dead instance's job %s, want cancelled (replaced)", st)
		}
	})
}

func getJob(t *testing.T, s *Store, id int64) *rivertype.JobRow {
	t.Helper()
	j, err := s.client.JobGet(context.Background(), id)
	if err != nil {
		t.Fatalf("JobGet(%d): %v", id, err)
	}
	return j
}
