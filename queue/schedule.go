package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LastRun returns the last slot recorded for a schedule, and false if none
// was. River's periodic jobs keep no such record, so catching up missed
// slots after a restart starts from here.
func (s *Store) LastRun(ctx context.Context, schedule string) (time.Time, bool, error) {
	var v int64
	// A slot recorded ahead of now (a clock that ran a year ahead for one
	// run) counts as not run: otherwise the schedule stops until real time
	// catches up with it.
	err := s.db.QueryRowContext(ctx, s.q("SELECT last_run FROM schedule_runs WHERE name = ? AND last_run <= "+s.ahead(0)),
		schedule).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read last run of %s: %w", schedule, err)
	}
	return time.UnixMicro(v).UTC(), true, nil
}

// SetLastRun records slot as the schedule's last run; an earlier slot than
// the one recorded changes nothing, unless the one recorded lies ahead of
// now (recorded by a clock that jumped).
func (s *Store) SetLastRun(ctx context.Context, schedule string, slot time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO schedule_runs (name, last_run, ran_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run, ran_at = excluded.ran_at
		WHERE schedule_runs.last_run < excluded.last_run OR schedule_runs.last_run > `+s.ahead(0)),
		schedule, s.micros(slot), s.micros(s.now()))
	if err != nil {
		return fmt.Errorf("record last run of %s: %w", schedule, err)
	}
	return nil
}
