package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
)

// Approval is what an approved message does next: the rules after the
// one that held it decide, and it is recorded with the approval in one
// transaction. A later rule may hold it again (Hold).
type Approval struct {
	Deliveries []NewDelivery
	Pending    []NewPending
	Hold       *HoldRequest
}

// ApprovalOutcome is what ApproveHeldWith recorded.
type ApprovalOutcome struct {
	DeliveryIDs []int64
	PendingIDs  []int64
	HeldID      int64 // the new hold, 0 if none
}

// ApproveHeld approves a held message and records its deliveries and
// their jobs in the same transaction, so an approval forwards once: a
// second approval, concurrent or not, gets ErrWrongState and records
// nothing. An unknown id is ErrNotFound.
func (s *Store) ApproveHeld(ctx context.Context, id int64, by string, deliveries []NewDelivery) error {
	_, err := s.ApproveHeldWith(ctx, id, by, Approval{Deliveries: deliveries})
	return err
}

// ApproveHeldWith is ApproveHeld for an approval that also schedules
// items or is held again by a later rule.
func (s *Store) ApproveHeldWith(ctx context.Context, id int64, by string, next Approval) (ApprovalOutcome, error) {
	var out ApprovalOutcome
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ref, err := s.decideTx(ctx, tx, id, HeldApproved, by, "")
		if err != nil {
			return err
		}
		out, err = s.continueTx(ctx, tx, ref, next)
		return err
	})
	if err != nil {
		return ApprovalOutcome{}, fmt.Errorf("approve held message %d: %w", id, err)
	}
	return out, nil
}

func (s *Store) continueTx(ctx context.Context, tx *sql.Tx, ref int64, next Approval) (ApprovalOutcome, error) {
	var out ApprovalOutcome
	var err error
	if out.DeliveryIDs, err = s.insertDeliveries(ctx, tx, ref, next.Deliveries); err != nil {
		return out, err
	}
	if err := s.insertJobsTx(ctx, tx, s.deliveryJobs(out.DeliveryIDs, next.Deliveries)); err != nil {
		return out, err
	}
	if out.PendingIDs, err = s.addPendingTx(ctx, tx, ref, next.Pending); err != nil {
		return out, err
	}
	if next.Hold != nil {
		out.HeldID, err = s.holdTx(ctx, tx, ref, *next.Hold)
	}
	return out, err
}

// deliveryJobs are the jobs of deliveries ds, recorded with ids.
func (s *Store) deliveryJobs(ids []int64, ds []NewDelivery) []river.InsertManyParams {
	jobs := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		jobs[i] = s.deliveryJob(id, ds[i].NotBefore)
	}
	return jobs
}

// RejectHeld rejects a held message; reason is kept for the listing and
// the notice to moderators. A message decided already is ErrWrongState.
func (s *Store) RejectHeld(ctx context.Context, id int64, by, reason string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := s.decideTx(ctx, tx, id, HeldRejected, by, reason)
		return err
	})
	if err != nil {
		return fmt.Errorf("reject held message %d: %w", id, err)
	}
	return nil
}

// decideTx moves a held message to state, if it is still held, and
// returns its message. The conditional update is the lock: of two
// concurrent decisions, the second finds the state changed.
func (s *Store) decideTx(ctx context.Context, tx *sql.Tx, id int64, state HeldState, by, reason string) (int64, error) {
	var ref int64
	err := tx.QueryRowContext(ctx, s.q(`UPDATE held SET state = ?, decided_by = ?, decided_at = ?,
		decision_reason = ? WHERE id = ? AND state = 'held' RETURNING message_ref`),
		string(state), by, s.micros(s.now()), reason, id).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, s.heldStateError(ctx, tx, id)
	}
	if err != nil {
		return 0, fmt.Errorf("record decision: %w", err)
	}
	return ref, nil
}

func (s *Store) heldStateError(ctx context.Context, tx *sql.Tx, id int64) error {
	var state string
	err := tx.QueryRowContext(ctx, s.q("SELECT state FROM held WHERE id = ?"), id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("read held state: %w", err)
	}
	return fmt.Errorf("%w: held message is %s", ErrWrongState, state)
}

// ExpireHeld expires the messages still held whose expiry is at or
// before now, and returns them (to tell their moderators).
func (s *Store) ExpireHeld(ctx context.Context, now time.Time) ([]HeldInfo, error) {
	var out []HeldInfo
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ids, err := s.expireTx(ctx, tx, now)
		if err != nil || len(ids) == 0 {
			return err
		}
		out, err = s.queryHeld(ctx, tx, "h.id IN "+placeholders(len(ids)), len(ids), int64Args(ids)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("expire held messages: %w", err)
	}
	return out, nil
}

func (s *Store) expireTx(ctx context.Context, tx *sql.Tx, now time.Time) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, s.q(`UPDATE held SET state = 'expired', decided_at = ?
		WHERE state = 'held' AND expires_at <= ? RETURNING id`), s.micros(now), s.micros(now))
	if err != nil {
		return nil, err
	}
	return scanIDs(rows)
}

// DueReminders lists the messages still held, not yet reminded, whose
// reminder time (halfway to expiry) has come by now.
func (s *Store) DueReminders(ctx context.Context, now time.Time) ([]HeldInfo, error) {
	where := strings.Join([]string{"h.state = 'held'", "h.reminded_at IS NULL", "h.remind_at <= ?",
		"h.expires_at > ?"}, " AND ")
	out, err := s.queryHeld(ctx, s.db, where, 1000, s.micros(now), s.micros(now))
	if err != nil {
		return nil, fmt.Errorf("list due reminders: %w", err)
	}
	return out, nil
}

// MarkReminded records that the moderators of a held message were
// reminded at at; a message reminded already keeps its first time.
func (s *Store) MarkReminded(ctx context.Context, id int64, at time.Time) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE held SET reminded_at = COALESCE(reminded_at, ?) WHERE id = ?`),
		s.micros(at), id)
	if err != nil {
		return fmt.Errorf("mark held message %d reminded: %w", id, err)
	}
	if ok, err := affected(res); err != nil || !ok {
		return fmt.Errorf("mark held message %d reminded: %w", id, cmpErr(err, ErrNotFound))
	}
	return nil
}

// cmpErr returns err if set, else fallback.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan id: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
