package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// SlotClaimTTL is how long a slot claim lasts unless its holder claims it
// again: longer than an SMTP DATA reply may take (10 minutes, RFC 5321
// section 4.5.3.2.6), so a claimant renewing before each transaction
// never loses it mid-send, and short enough that a dead claimant's items
// do not wait long.
const SlotClaimTTL = 15 * time.Minute

// ClaimSlot makes holder the one instance that runs slot of schedule and
// sends its batches. The first claim wins; claiming again by the same
// holder renews it (call it before each transaction of a batch); a claim
// that expired (its holder died), or was recorded ahead of now by more
// than its TTL (a clock that jumped back), is taken over. A dead
// PostgreSQL instance's claims are released at once when it is reclaimed,
// a stopped one's as it deregisters, and a SQLite daemon's at the next
// start.
func (s *Store) ClaimSlot(ctx context.Context, schedule string, slot time.Time, holder string) (bool, error) {
	now, ttl := s.dbNow(), strconv.FormatInt(SlotClaimTTL.Microseconds(), 10)
	var got string
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO slot_claims (schedule, slot, holder, claimed_at, expires_at)
		VALUES (?, ?, ?, `+now+`, `+now+` + `+ttl+`)
		ON CONFLICT (schedule, slot) DO UPDATE SET holder = excluded.holder, claimed_at = excluded.claimed_at,
			expires_at = excluded.expires_at
		WHERE slot_claims.holder = excluded.holder OR slot_claims.expires_at <= `+now+`
			OR slot_claims.expires_at > `+s.ahead(SlotClaimTTL)+`
		RETURNING holder`), schedule, s.micros(slot), holder).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim slot %s of %q: %w", slot.UTC().Format(time.RFC3339), schedule, err)
	}
	return got == holder, nil
}

// releaseSlotClaims expires the claims of holders known dead, so that
// their slots are taken over at once.
func (s *Store) releaseSlotClaims(ctx context.Context, holders ...string) error {
	for _, h := range holders {
		if _, err := s.db.ExecContext(ctx, s.q("UPDATE slot_claims SET expires_at = 0 WHERE holder = ?"), h); err != nil {
			return fmt.Errorf("release slot claims of %s: %w", h, err)
		}
	}
	return nil
}

// InstanceID names this store's instance: the holder of its slot claims,
// whose claims are released when the instance is found dead.
func (s *Store) InstanceID() string { return s.instanceID }

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

// PruneSlotClaims forgets the claims of slots before before that nobody
// holds any more (expired, released, or recorded ahead by a clock that
// jumped back) and returns how many: to ClaimSlot such a claim and none
// are the same, and one row per slot per schedule would otherwise grow
// without end. A live claim stays whatever its slot's age: its holder may
// still be sending that slot's batch, and without the row another
// instance would claim the slot and send it too.
func (s *Store) PruneSlotClaims(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM slot_claims WHERE slot < ?
		AND (expires_at <= `+s.dbNow()+` OR expires_at > `+s.ahead(SlotClaimTTL)+`)`), s.micros(before))
	if err != nil {
		return 0, fmt.Errorf("prune slot claims: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune slot claims: %w", err)
	}
	return int(n), nil
}
