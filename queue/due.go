package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// PromoteDue makes scheduled and retryable jobs whose time has come
// available now, through River's own scheduling query. River's scheduler
// does the same, but only on the elected leader and every few seconds;
// run -once calls this so it need not wait for it.
func (s *Store) PromoteDue(ctx context.Context) (int, error) {
	const batch = 1000
	exec := s.driver.GetExecutor()
	total := 0
	for {
		now := time.Now().UTC()
		res, err := exec.JobSchedule(ctx, &riverdriver.JobScheduleParams{Max: batch, Now: &now})
		if err != nil {
			return total, fmt.Errorf("promote due jobs: %w", err)
		}
		total += len(res)
		if len(res) < batch {
			return total, nil
		}
	}
}

// Idle reports whether no delivery job is available or running, and none
// is scheduled or retryable with a time already come: run -once stops
// when it is.
func (s *Store) Idle(ctx context.Context) (bool, error) {
	busy, err := s.client.JobList(ctx, river.NewJobListParams().Kinds(deliveryKind).
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning).First(1))
	if err != nil {
		return false, fmt.Errorf("list active jobs: %w", err)
	}
	if len(busy.Jobs) > 0 {
		return false, nil
	}
	next, err := s.client.JobList(ctx, river.NewJobListParams().Kinds(deliveryKind).
		States(rivertype.JobStateScheduled, rivertype.JobStateRetryable).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1))
	if err != nil {
		return false, fmt.Errorf("list waiting jobs: %w", err)
	}
	return len(next.Jobs) == 0 || next.Jobs[0].ScheduledAt.After(time.Now()), nil
}
