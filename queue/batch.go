package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// BatchKey is a batch's idempotency key: one batch per destination per
// slot of a schedule. The gateway derives the relayed mail's Message-ID
// from it, so a repeat after a crash folds in mail clients.
type BatchKey struct {
	Schedule    string    `json:"schedule"`
	Slot        time.Time `json:"slot"`
	Destination string    `json:"destination"`
}

// BatchState is the state of a batch.
type BatchState string

// Batch states. Open is the only one that is not final: an open batch is
// (re)attempted with the same key and items.
const (
	BatchOpen   BatchState = "open"
	BatchSent   BatchState = "sent"
	BatchFailed BatchState = "failed"
)

// Batch is the items relayed to one destination at one slot, as one
// digest or one by one.
type Batch struct {
	ID        int64         `json:"id"`
	Key       BatchKey      `json:"key"`
	State     BatchState    `json:"state"`
	Items     []PendingItem `json:"items"`
	CreatedAt time.Time     `json:"created_at"`
	SentAt    time.Time     `json:"sent_at,omitzero"`
	LastError string        `json:"last_error,omitempty"`
	// Attempts counts the temporary failures; Waiting says the batch waits
	// for its backoff (stored, so any instance honours it).
	Attempts int  `json:"attempts,omitempty"`
	Waiting  bool `json:"waiting,omitempty"`
}

// BeginBatch creates the batch of key with those of itemIDs that are
// pending, of the key's schedule and destination, and in no batch yet.
// It is idempotent by key: when the batch exists already (a run resumed
// after a crash, or another instance's), it returns that batch, items and
// state unchanged, and claims nothing. A batch whose State is not open
// must not be attempted: that is the check before every attempt.
func (s *Store) BeginBatch(ctx context.Context, key BatchKey, itemIDs []int64) (Batch, error) {
	var b Batch
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		created, err := s.insertBatchTx(ctx, tx, key)
		if err != nil {
			return err
		}
		if created != 0 {
			n, err := s.claimItemsTx(ctx, tx, created, key, itemIDs)
			if err != nil {
				return err
			}
			if n == 0 {
				// Another instance batched them first: an empty batch would
				// stay open for ever.
				_, err := tx.ExecContext(ctx, s.q("DELETE FROM batches WHERE id = ?"), created)
				b = Batch{Key: key, State: BatchSent}
				return err
			}
		}
		b, err = s.batchTx(ctx, tx, key)
		return err
	})
	if err != nil {
		return Batch{}, fmt.Errorf("begin batch %s: %w", key, err)
	}
	return b, nil
}

// insertBatchTx returns the new batch's id, or 0 if the key exists. On
// PostgreSQL a concurrent insert of the same key waits for the first
// transaction and then does nothing.
func (s *Store) insertBatchTx(ctx context.Context, tx *sql.Tx, key BatchKey) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, s.q(`INSERT INTO batches (schedule, slot, destination, state, created_at)
		VALUES (?, ?, ?, 'open', ?) ON CONFLICT DO NOTHING RETURNING id`),
		key.Schedule, s.micros(key.Slot), key.Destination, s.micros(s.now())).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("insert batch: %w", err)
	}
	return id, nil
}

func (s *Store) claimItemsTx(ctx context.Context, tx *sql.Tx, batchID int64, key BatchKey, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := append([]any{batchID, key.Schedule, key.Destination}, int64Args(ids)...)
	res, err := tx.ExecContext(ctx, s.q(`UPDATE pending_items SET batch_id = ?
		WHERE schedule = ? AND destination = ? AND state = 'pending' AND batch_id IS NULL
		AND id IN `+placeholders(len(ids))), args...)
	if err != nil {
		return 0, fmt.Errorf("claim items: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("claim items: %w", err)
	}
	return int(n), nil
}

// GetBatch returns the batch of key, or ErrNotFound.
func (s *Store) GetBatch(ctx context.Context, key BatchKey) (Batch, error) {
	var b Batch
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = s.batchTx(ctx, tx, key)
		return err
	})
	if err != nil {
		return Batch{}, fmt.Errorf("get batch %s: %w", key, err)
	}
	return b, nil
}

func (s *Store) batchTx(ctx context.Context, tx *sql.Tx, key BatchKey) (Batch, error) {
	bs, err := s.queryBatches(ctx, tx, "b.schedule = ? AND b.slot = ? AND b.destination = ?",
		key.Schedule, s.micros(key.Slot), key.Destination)
	if err != nil {
		return Batch{}, err
	}
	if len(bs) == 0 {
		return Batch{}, ErrNotFound
	}
	return bs[0], nil
}

// OpenBatches lists the batches of schedule ("" for all) begun and not
// finished: a crash or a temporary failure left them. Attempt them again
// with their own key before batching new items, so a repeat keeps its
// Message-ID.
func (s *Store) OpenBatches(ctx context.Context, schedule string) ([]Batch, error) {
	var out []Batch
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.queryBatches(ctx, tx, "b.state = 'open' AND (? = '' OR b.schedule = ?)", schedule, schedule)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list open batches: %w", err)
	}
	return out, nil
}

// MarkBatchSent records, synchronously, that the relay accepted the
// batch: it and its items are sent. Call it before anything else once
// the relay has answered. Marking a sent batch again changes nothing.
func (s *Store) MarkBatchSent(ctx context.Context, key BatchKey) error {
	return s.finishBatch(ctx, "mark batch sent", key, BatchSent, PendingSent, "")
}

// MarkBatchFailed records that the batch failed permanently (the relay
// refused it): it and its items are failed, and never attempted again.
func (s *Store) MarkBatchFailed(ctx context.Context, key BatchKey, reason string) error {
	return s.finishBatch(ctx, "mark batch failed", key, BatchFailed, PendingFailed, reason)
}

// batchBackoffCap bounds a batch's backoff; a wait stored further ahead
// than this was recorded by a clock that jumped, and is not honoured.
const batchBackoffCap = time.Hour

// DeferBatch records a temporary failure of an open batch: it waits
// delay, doubled for each earlier failure up to an hour, before any
// instance attempts it again.
func (s *Store) DeferBatch(ctx context.Context, key BatchKey, reason string, delay time.Duration) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var attempts int
		err := tx.QueryRowContext(ctx, s.q(`SELECT attempts FROM batches
			WHERE schedule = ? AND slot = ? AND destination = ? AND state = 'open'`),
			key.Schedule, s.micros(key.Slot), key.Destination).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // finished meanwhile
		}
		if err != nil {
			return err
		}
		wait := min(delay<<min(attempts, 12), batchBackoffCap)
		_, err = tx.ExecContext(ctx, s.q(`UPDATE batches SET attempts = attempts + 1, last_error = ?,
			next_attempt_at = `+s.dbNow()+` + ?
			WHERE schedule = ? AND slot = ? AND destination = ? AND state = 'open'`),
			reason, wait.Microseconds(), key.Schedule, s.micros(key.Slot), key.Destination)
		return err
	})
	if err != nil {
		return fmt.Errorf("defer batch %s: %w", key, err)
	}
	return nil
}

// MarkItemSent records, synchronously, that the relay accepted one item
// of a batch sent item by item: a later attempt of the batch skips it.
func (s *Store) MarkItemSent(ctx context.Context, itemID int64) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE pending_items SET state = 'sent', sent_at = ?
		WHERE id = ? AND state = 'pending'`), s.micros(s.now()), itemID)
	if err != nil {
		return fmt.Errorf("mark item %d sent: %w", itemID, err)
	}
	return nil
}

func (s *Store) finishBatch(ctx context.Context, verb string, key BatchKey, to BatchState, items PendingState, reason string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.micros(s.now())
		var id int64
		err := tx.QueryRowContext(ctx, s.q(`UPDATE batches SET state = ?, last_error = ?,
			sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
			WHERE schedule = ? AND slot = ? AND destination = ? AND state = 'open' RETURNING id`),
			string(to), reason, string(to), now, key.Schedule, s.micros(key.Slot), key.Destination).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return s.finishedBatchError(ctx, tx, key, to)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE pending_items SET state = ?,
			sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE batch_id = ? AND state = 'pending'`),
			string(items), string(items), now, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", verb, key, err)
	}
	return nil
}

// finishedBatchError explains why an open batch of key was not found:
// none exists, or it is final already (the same final state is no error).
func (s *Store) finishedBatchError(ctx context.Context, tx *sql.Tx, key BatchKey, to BatchState) error {
	b, err := s.batchTx(ctx, tx, key)
	if err != nil {
		return err
	}
	if b.State == to {
		return nil
	}
	return fmt.Errorf("%w: batch is %s", ErrWrongState, b.State)
}

func (s *Store) queryBatches(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]Batch, error) {
	now := s.dbNow()
	rows, err := tx.QueryContext(ctx, s.q(`SELECT b.id, b.schedule, b.slot, b.destination, b.state,
		b.created_at, b.sent_at, b.last_error, b.attempts,
		CASE WHEN b.next_attempt_at > `+now+` AND b.next_attempt_at <= `+now+` + `+
		strconv.FormatInt(batchBackoffCap.Microseconds(), 10)+` THEN 1 ELSE 0 END
		FROM batches b WHERE `+where+` ORDER BY b.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("query batches: %w", err)
	}
	bs, err := scanBatches(rows)
	if err != nil {
		return nil, err
	}
	for i := range bs {
		if bs[i].Items, err = s.queryPending(ctx, tx, "p.batch_id = ?", "p.id", maxDue, bs[i].ID); err != nil {
			return nil, fmt.Errorf("read items of batch %d: %w", bs[i].ID, err)
		}
	}
	return bs, nil
}

func scanBatches(rows *sql.Rows) ([]Batch, error) {
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		var b Batch
		var slot, created int64
		var sent sql.NullInt64
		var waiting int
		if err := rows.Scan(&b.ID, &b.Key.Schedule, &slot, &b.Key.Destination, &b.State, &created,
			&sent, &b.LastError, &b.Attempts, &waiting); err != nil {
			return nil, fmt.Errorf("scan batch: %w", err)
		}
		b.Key.Slot, b.CreatedAt, b.SentAt = time.UnixMicro(slot).UTC(), time.UnixMicro(created).UTC(), fromMicros(sent)
		b.Waiting = waiting == 1
		out = append(out, b)
	}
	return out, rows.Err()
}

// String names the key in errors and logs.
func (k BatchKey) String() string {
	return fmt.Sprintf("%q at %s to %s", k.Schedule, k.Slot.UTC().Format(time.RFC3339), k.Destination)
}
