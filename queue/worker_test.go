package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

func jobState(t testing.TB, s *Store, jobID int64) rivertype.JobState {
	t.Helper()
	j, err := s.client.JobGet(context.Background(), jobID)
	if err != nil {
		t.Fatalf("JobGet(%d): %v", jobID, err)
	}
	return j.State
}

func waitJobState(t testing.TB, s *Store, jobID int64, want rivertype.JobState) {
	t.Helper()
	waitFor(t, fmt.Sprintf("job %d %s", jobID, want), func() (bool, error) {
		return jobState(t, s, jobID) == want, nil
	})
}

func TestDeliverySuccessIsNeverResent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		r := newRecorder(nil)
		s := startWorkers(t, dsn, r, Options{})
		begin(t, s, 7, 0)
		m := message(1, "<a@x>", "invitation", "gender", "education")
		out := intake(t, s, 7, m)
		r.waitOutcomes(t, 2)
		for _, id := range out[0].DeliveryIDs {
			row := readDelivery(t, s, id)
			if row.State != StateSent || row.Started != 1 || row.Finished != 1 {
				t.Errorf("delivery %d = %+v, want sent after one attempt", id, row)
			}
			calls := r.callsFor(id)
			if len(calls) != 1 || !bytes.Equal(calls[0].raw, m.Raw) || calls[0].d.Attempt != 1 {
				t.Fatalf("delivery %d: %d calls, want one with the raw message", id, len(calls))
			}
			waitJobState(t, s, row.JobID, rivertype.JobStateCompleted)
			// A kill -9 can revert River's completion: the job runs again.
			if _, err := s.client.JobRetry(context.Background(), row.JobID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "re-run job completed", func() (bool, error) {
				j, err := s.client.JobGet(context.Background(), row.JobID)
				return err == nil && j.State == rivertype.JobStateCompleted && j.Attempt == 2, err
			})
			if n := len(r.callsFor(id)); n != 1 {
				t.Errorf("delivery %d sent %d times after its job re-ran, want 1", id, n)
			}
		}
	})
}

type tempErr struct{ after time.Duration }

func (e tempErr) Error() string             { return "451 try again later" }
func (e tempErr) RetryAfter() time.Duration { return e.after }

func TestTemporaryErrorIsRetried(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		failures := 2
		r := newRecorder(nil)
		r.answer = func(d Delivery) error {
			if d.Attempt <= failures {
				return tempErr{after: time.Millisecond}
			}
			return nil
		}
		s := startWorkers(t, dsn, r, Options{})
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))
		got := r.waitOutcomes(t, 3)
		wantStates := []DeliveryState{StatePending, StatePending, StateSent}
		for i, o := range got {
			if o.State != wantStates[i] || o.Delivery.Attempt != i+1 {
				t.Errorf("outcome %d = state %s attempt %d, want %s attempt %d", i, o.State, o.Delivery.Attempt, wantStates[i], i+1)
			}
		}
		row := readDelivery(t, s, out[0].DeliveryIDs[0])
		if row.State != StateSent || row.Started != 3 || row.Finished != 3 {
			t.Errorf("delivery = %+v, want sent after 3 attempts", row)
		}
	})
}

func TestTemporaryErrorsExhaustAttempts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		r := newRecorder(func(Delivery) error { return errors.New("connection refused") })
		s := startWorkers(t, dsn, r, Options{Retry: fastRetry{attempts: 2}})
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))
		got := r.waitOutcomes(t, 2)
		if got[0].State != StatePending || got[1].State != StateFailed {
			t.Errorf("states = %s, %s; want pending then failed", got[0].State, got[1].State)
		}
		row := readDelivery(t, s, out[0].DeliveryIDs[0])
		if row.State != StateFailed || row.LastError != "connection refused" {
			t.Errorf("delivery = %+v, want failed with the last error", row)
		}
		waitJobState(t, s, row.JobID, rivertype.JobStateCancelled)
	})
}

func TestPermanentErrorFailsOnlyThatDelivery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		r := newRecorder(func(d Delivery) error {
			if d.Caucus == "bad" {
				return Permanent(errors.New("550 no such list"))
			}
			return nil
		})
		s := startWorkers(t, dsn, r, Options{})
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "bad", "gender"))
		r.waitOutcomes(t, 2)
		bad, good := readDelivery(t, s, out[0].DeliveryIDs[0]), readDelivery(t, s, out[0].DeliveryIDs[1])
		if bad.State != StateFailed || bad.LastError != "550 no such list" || bad.Started != 1 {
			t.Errorf("bad delivery = %+v, want failed after one attempt", bad)
		}
		if good.State != StateSent {
			t.Errorf("good delivery = %+v, want sent", good)
		}
		waitJobState(t, s, bad.JobID, rivertype.JobStateCancelled)
		if n := len(r.callsFor(out[0].DeliveryIDs[0])); n != 1 {
			t.Errorf("permanent failure attempted %d times, want 1", n)
		}
	})
}

func TestSentRecordCheckedBeforeAttempt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		r := newRecorder(nil)
		s := openTest(t, dsn, Options{OnOutcome: r.onOutcome})
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))
		id := out[0].DeliveryIDs[0]
		// The relay said 250 and we recorded it, then died before River
		// completed the job.
		if _, err := s.db.Exec(s.q("UPDATE deliveries SET state = 'sent' WHERE id = ?"), id); err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		waitJobState(t, s, readDelivery(t, s, id).JobID, rivertype.JobStateCompleted)
		if n := len(r.callsFor(id)); n != 0 {
			t.Errorf("a sent delivery was attempted %d times", n)
		}
		if row := readDelivery(t, s, id); row.Started != 0 {
			t.Errorf("attempts_started = %d, want 0", row.Started)
		}
	})
}

func TestRetryAndCancelDelivery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		fail := true
		r := newRecorder(func(Delivery) error {
			if fail {
				return Permanent(errors.New("550 mailbox full"))
			}
			return nil
		})
		s := startWorkers(t, dsn, r, Options{})
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))
		id := out[0].DeliveryIDs[0]
		r.waitOutcomes(t, 1)
		list, err := s.ListDeliveries(ctx, DeliveryFilter{States: []DeliveryState{StateFailed}})
		if err != nil || len(list) != 1 || list[0].ID != id || list[0].MessageID != "<a@x>" ||
			list[0].Attempts != 1 || list[0].LastError != "550 mailbox full" {
			t.Fatalf("ListDeliveries(failed) = %+v, %v", list, err)
		}
		if err := s.CancelDelivery(ctx, id); !errors.Is(err, ErrWrongState) {
			t.Errorf("CancelDelivery(failed) = %v, want ErrWrongState", err)
		}
		fail = false
		if err := s.RetryDelivery(ctx, id); err != nil {
			t.Fatal(err)
		}
		if o := r.waitOutcomes(t, 1); o[0].State != StateSent {
			t.Errorf("retried delivery ended %s, want sent", o[0].State)
		}
		if err := s.RetryDelivery(ctx, id); !errors.Is(err, ErrWrongState) {
			t.Errorf("RetryDelivery(sent) = %v, want ErrWrongState", err)
		}
		if err := s.RetryDelivery(ctx, 999999); !errors.Is(err, ErrNotFound) {
			t.Errorf("RetryDelivery(unknown) = %v, want ErrNotFound", err)
		}
	})
}

func TestCancelPendingDelivery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openTest(t, dsn, Options{})
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))
		id := out[0].DeliveryIDs[0]
		list, err := s.ListDeliveries(ctx, DeliveryFilter{})
		if err != nil || len(list) != 1 || list[0].State != StatePending || list[0].NextAttempt.IsZero() {
			t.Fatalf("ListDeliveries = %+v, %v; want one pending with a next attempt", list, err)
		}
		if err := s.CancelDelivery(ctx, id); err != nil {
			t.Fatal(err)
		}
		row := readDelivery(t, s, id)
		if row.State != StateCancelled || jobState(t, s, row.JobID) != rivertype.JobStateCancelled {
			t.Errorf("after cancel: delivery %s, job %s; want both cancelled", row.State, jobState(t, s, row.JobID))
		}
	})
}
