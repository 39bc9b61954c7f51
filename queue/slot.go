package queue

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// ClaimSlot makes holder the one instance that runs slot of schedule: the
// first claim wins, and a claim again by the same holder also answers
// true (a retry of its own run). A winner that dies mid-run leaves its
// items to the next slot, which takes every item due by then, and its
// open batches to OpenBatches.
func (s *Store) ClaimSlot(ctx context.Context, schedule string, slot time.Time, holder string) (bool, error) {
	var won bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO slot_claims (schedule, slot, holder, claimed_at)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), schedule, s.micros(slot), holder, s.micros(s.now())); err != nil {
			return err
		}
		var got string
		err := tx.QueryRowContext(ctx, s.q("SELECT holder FROM slot_claims WHERE schedule = ? AND slot = ?"),
			schedule, s.micros(slot)).Scan(&got)
		won = got == holder
		return err
	})
	if err != nil {
		return false, fmt.Errorf("claim slot %s of %q: %w", slot.UTC().Format(time.RFC3339), schedule, err)
	}
	return won, nil
}

// ScheduleInfo is one schedule as `schedule list` shows it. The store
// knows no cron: the next run is the caller's to compute from Spec and
// LastRun; NextDue is the earliest slot an item waits for.
type ScheduleInfo struct {
	ID      string    `json:"id"` // the spec: it is the schedule's identity
	Spec    string    `json:"schedule"`
	LastRun time.Time `json:"last_run,omitzero"` // the last slot run
	// RanAt is when that slot was run, which is after the daemon started
	// (LastRun may be earlier: a first start runs the latest slot passed).
	RanAt   time.Time `json:"ran_at,omitzero"`
	Pending int       `json:"pending"`
	Held    int       `json:"held"` // items waiting for a reviewer
	NextDue time.Time `json:"next_due,omitzero"`
}

// Schedules lists every schedule that has run or has items waiting,
// sorted by spec.
func (s *Store) Schedules(ctx context.Context) ([]ScheduleInfo, error) {
	byName := map[string]*ScheduleInfo{}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.scheduleRunsTx(ctx, tx, byName); err != nil {
			return err
		}
		return s.scheduleItemsTx(ctx, tx, byName)
	})
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	out := make([]ScheduleInfo, 0, len(byName))
	for _, si := range byName {
		out = append(out, *si)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Spec < out[j].Spec })
	return out, nil
}

func scheduleEntry(m map[string]*ScheduleInfo, spec string) *ScheduleInfo {
	if m[spec] == nil {
		m[spec] = &ScheduleInfo{ID: spec, Spec: spec}
	}
	return m[spec]
}

func (s *Store) scheduleRunsTx(ctx context.Context, tx *sql.Tx, m map[string]*ScheduleInfo) error {
	rows, err := tx.QueryContext(ctx, "SELECT name, last_run, ran_at FROM schedule_runs")
	if err != nil {
		return fmt.Errorf("read last runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var last, ran int64
		if err := rows.Scan(&name, &last, &ran); err != nil {
			return fmt.Errorf("scan last run: %w", err)
		}
		e := scheduleEntry(m, name)
		e.LastRun, e.RanAt = time.UnixMicro(last).UTC(), microsOrZero(ran)
	}
	return rows.Err()
}

func (s *Store) scheduleItemsTx(ctx context.Context, tx *sql.Tx, m map[string]*ScheduleInfo) error {
	rows, err := tx.QueryContext(ctx, `SELECT schedule, state, COUNT(*), MIN(due_slot) FROM pending_items
		WHERE state IN ('pending', 'held') GROUP BY schedule, state`)
	if err != nil {
		return fmt.Errorf("count pending items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var spec, state string
		var n int
		var due int64
		if err := rows.Scan(&spec, &state, &n, &due); err != nil {
			return fmt.Errorf("scan pending count: %w", err)
		}
		si := scheduleEntry(m, spec)
		if state == string(PendingHeld) {
			si.Held = n
			continue
		}
		si.Pending, si.NextDue = n, time.UnixMicro(due).UTC()
	}
	return rows.Err()
}

// PruneSlotClaims forgets the claims of slots before before (one row per
// slot per schedule would otherwise grow without end) and returns how
// many. Prune only slots no instance can still be running.
func (s *Store) PruneSlotClaims(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q("DELETE FROM slot_claims WHERE slot < ?"), s.micros(before))
	if err != nil {
		return 0, fmt.Errorf("prune slot claims: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune slot claims: %w", err)
	}
	return int(n), nil
}
