package queue

import (
	"context"
	"reflect"
	"testing"

	"github.com/riverqueue/river/rivertype"
)

// TestClaimLoadsTheDeliveryAndItsJob: a sender's claim (one statement on
// PostgreSQL, two on SQLite) starts the first attempt, takes the
// delivery's current job for this instance and returns what the send and
// the job's settlement need.
func TestClaimLoadsTheDeliveryAndItsJob(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 7, 0)
		m := message(1, "<a@x>", "invitation", "gender")
		out := intake(t, s, 7, m)[0]
		id := out.DeliveryIDs[0]
		d, job, claimed, err := s.claimHandedOff(ctx, id)
		if err != nil || !claimed {
			t.Fatalf("claimHandedOff = %v, %v; want claimed", claimed, err)
		}
		want := Delivery{ID: id, MessageRef: out.MessageRef, MessageID: "<a@x>", Caucus: "gender",
			EnvelopeFrom: m.Deliveries[0].EnvelopeFrom, Recipients: m.Deliveries[0].Recipients,
			Spec: m.Deliveries[0].Spec, Attempt: 1}
		if !reflect.DeepEqual(d, want) {
			t.Errorf("claimed delivery = %+v, want %+v", d, want)
		}
		row := readDelivery(t, s, id)
		if row.Started != 1 || row.State != StatePending {
			t.Errorf("delivery after the claim = %+v, want pending, 1 attempt started", row)
		}
		if job.ID != row.JobID || job.Attempt != 1 || job.MaxAttempts != (fastRetry{}).MaxAttempts() ||
			job.Args.DeliveryID != id || !reflect.DeepEqual(job.AttemptedBy, []string{s.instanceID}) {
			t.Errorf("claimed job = %+v (args %+v), want the delivery's job %d, attempt 1, by %s",
				job.JobRow, job.Args, row.JobID, s.instanceID)
		}
		if st := jobState(t, s, row.JobID); st != rivertype.JobStateRunning {
			t.Errorf("job state %s, want running", st)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM river_job WHERE id = ? AND attempt = 1`, row.JobID); n != 1 {
			t.Errorf("job %d's attempt not counted in its row", row.JobID)
		}
	})
}

func TestShiftParams(t *testing.T) {
	if got := shiftParams(`a = $1 AND b = $10 OR c = $2::text`, 7); got != `a = $8 AND b = $17 OR c = $9::text` {
		t.Errorf("shiftParams = %q", got)
	}
}
