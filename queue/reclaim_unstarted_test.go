package queue

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// TestLiveInstancesUnstartedJobIsReclaimed: River's fetch committed, but
// its answer was lost (a connection cut), so the live instance's workers
// never started the attempt. After unstartedAfter the job is taken over
// and the delivery goes out; a job whose attempt did start is left alone.
func TestLiveInstancesUnstartedJobIsReclaimed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		r := newRecorder(nil)
		s := openTest(t, dsn, Options{OnOutcome: r.onOutcome})
		if s.dialect != dialectPostgres {
			t.Skip("SQLite has one daemon, which expires every running job at its start")
		}
		begin(t, s, 7, 0)
		lost := intake(t, s, 7, message(1, "<a@x>", "invitation", "gender"))[0].DeliveryIDs[0]
		crash(t, s, lost, 0)
		started := intake(t, s, 7, message(2, "<b@x>", "invitation", "gender"))[0].DeliveryIDs[0]
		if _, err := s.db.Exec(s.q("UPDATE instances SET heartbeat_at = ? WHERE id = ?"), s.micros(time.Now()), deadClient); err != nil {
			t.Fatal(err)
		}
		crashStarted(t, s, started)
		ctx := context.Background()
		if _, err := s.db.Exec(`UPDATE river_job SET attempted_at = clock_timestamp() - interval '3 minutes' WHERE state = 'running'`); err != nil {
			t.Fatal(err)
		}
		lostJob, startedJob := readDelivery(t, s, lost).JobID, readDelivery(t, s, started).JobID
		n, err := s.reclaimUnstarted(ctx)
		if err != nil || n != 1 {
			t.Fatalf("reclaimUnstarted = %d, %v; want 1 (only the job never started)", n, err)
		}
		if st := jobState(t, s, startedJob); st != rivertype.JobStateRunning {
			t.Errorf("job whose attempt started = %s, want still running", st)
		}
		if got := readDelivery(t, s, lost).JobID; got == lostJob {
			t.Fatalf("the unstarted delivery still has job %d, want a replacement", got)
		}
		if st := jobState(t, s, lostJob); st == rivertype.JobStateRunning {
			t.Errorf("the orphaned job is still running")
		}
		if err := s.Start(ctx, r); err != nil {
			t.Fatal(err)
		}
		o := r.waitOutcomes(t, 1)
		if o[0].State != StateSent || o[0].Delivery.ID != lost {
			t.Errorf("outcome = delivery %d %s, want delivery %d sent", o[0].Delivery.ID, o[0].State, lost)
		}
	})
}

// crashStarted fetches the next job as the live client and starts its
// attempt, as a worker that is sending does.
func crashStarted(t *testing.T, s *Store, deliveryID int64) {
	t.Helper()
	res, err := s.driver.GetExecutor().JobGetAvailable(context.Background(), &riverdriver.JobGetAvailableParams{
		ClientID: deadClient, MaxAttemptedBy: 100, MaxToLock: 10, Queue: "default"})
	if err != nil || len(res.Jobs) != 1 {
		t.Fatalf("fetch job as the live client: %v (%d jobs)", err, len(res.Jobs))
	}
	if _, err := s.db.Exec(s.q("UPDATE deliveries SET attempts_started = 1 WHERE id = ?"), deliveryID); err != nil {
		t.Fatal(err)
	}
}
