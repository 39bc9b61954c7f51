package queue

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Our settle statement leaves a handed-off job as River's own
// JobSetStateIfRunningMany leaves a twin job given the same verdict: state,
// errors, finalized_at, scheduled_at; a retry of a job cancelled while it
// ran becomes a cancellation; a job no longer running is left alone.
func TestSettleJobAsRiverDoes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{Retry: fastRetry{attempts: 2}})
		begin(t, s, 7, 0)
		ctx := context.Background()
		uid := uint32(0)
		claimed := func() *river.Job[deliveryArgs] {
			uid++
			id := intake(t, s, 7, message(uid, fmt.Sprintf("<%d@x>", uid), "body", "gender"))[0].DeliveryIDs[0]
			_, job, ok, err := s.claimHandedOff(ctx, id)
			if err != nil || !ok {
				t.Fatalf("claim delivery %d = %v, %v", id, ok, err)
			}
			return job
		}
		retryAt := time.Now().Add(time.Hour)
		for _, c := range []struct {
			name                 string
			verdict              error
			exhausted, cancelled bool // out of attempts; cancelled while running
			finalized            bool // job no longer running
		}{
			{name: "completed"},
			{name: "cancelled", verdict: river.JobCancel(errors.New("550 no such user"))},
			{name: "retryable", verdict: errors.New("451 later")},
			{name: "discarded", verdict: errors.New("451 later"), exhausted: true},
			{name: "retry of a cancelled job", verdict: errors.New("451 later"), cancelled: true},
			{name: "job no longer running", verdict: errors.New("451 later"), finalized: true},
		} {
			t.Run(c.name, func(t *testing.T) {
				ours, theirs := claimed(), claimed()
				for _, job := range []*river.Job[deliveryArgs]{ours, theirs} {
					if c.exhausted {
						job.Attempt = job.MaxAttempts
					}
					if c.cancelled {
						if _, err := s.client.JobCancel(ctx, job.ID); err != nil {
							t.Fatal(err)
						}
					}
					if c.finalized {
						if err := s.settleTx(ctx, nil, settlementOf(job, nil, retryAt)); err != nil {
							t.Fatal(err)
						}
					}
				}
				oursBefore, theirsBefore := getJob(t, s, ours.ID).ScheduledAt, getJob(t, s, theirs.ID).ScheduledAt
				st := settlementOf(ours, c.verdict, retryAt)
				if err := s.settleTx(ctx, nil, st); err != nil {
					t.Fatal(err)
				}
				riverSettle(t, s, settlementOf(theirs, c.verdict, retryAt))
				got, want := getJob(t, s, ours.ID), getJob(t, s, theirs.ID)
				// Each twin was scheduled when it was inserted; a retry
				// schedules both at retryAt.
				moved := !got.ScheduledAt.Equal(oursBefore)
				if got.State != want.State || len(got.Errors) != len(want.Errors) ||
					(got.FinalizedAt == nil) != (want.FinalizedAt == nil) || moved != !want.ScheduledAt.Equal(theirsBefore) ||
					(moved && !got.ScheduledAt.Equal(want.ScheduledAt)) {
					t.Fatalf("ours: %s, %d errors, finalized %v, scheduled %v; River's: %s, %d errors, finalized %v, scheduled %v",
						got.State, len(got.Errors), got.FinalizedAt, got.ScheduledAt,
						want.State, len(want.Errors), want.FinalizedAt, want.ScheduledAt)
				}
				for i := range got.Errors {
					if g, w := got.Errors[i], want.Errors[i]; g.Error != w.Error || g.Attempt != w.Attempt {
						t.Errorf("error %d: ours %+v, River's %+v", i, g, w)
					}
				}
			})
		}
	})
}

// riverSettle settles a job through River's driver, as settleJob did
// before our own statement.
func riverSettle(t *testing.T, s *Store, st jobSettlement) {
	t.Helper()
	var finalized, scheduled *time.Time
	if !st.finalizedAt.IsZero() {
		finalized = &st.finalizedAt
	}
	if !st.scheduledAt.IsZero() {
		scheduled = &st.scheduledAt
	}
	_, err := s.driver.GetExecutor().JobSetStateIfRunningMany(context.Background(), &riverdriver.JobSetStateIfRunningManyParams{
		ID: []int64{st.jobID}, Attempt: []*int{nil}, ErrData: [][]byte{st.errData}, FinalizedAt: []*time.Time{finalized},
		MetadataDoMerge: []bool{false}, MetadataUpdates: [][]byte{nil}, ScheduledAt: []*time.Time{scheduled},
		State: []rivertype.JobState{st.state}})
	if err != nil {
		t.Fatalf("River's settle of job %d: %v", st.jobID, err)
	}
}
