package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// DeliveryFilter selects deliveries to list. The zero value lists the
// most recent 100.
type DeliveryFilter struct {
	States     []DeliveryState // none: every state
	MessageRef int64           // 0: every message
	ID         int64           // 0: every delivery
	Limit      int             // 0: 100
}

// DeliveryInfo is one delivery as `queue list` shows it.
type DeliveryInfo struct {
	ID            int64         `json:"id"`
	MessageRef    int64         `json:"message_ref"`
	MessageID     string        `json:"message_id"`
	Subject       string        `json:"subject"`
	Caucus        string        `json:"caucus"`
	Recipients    []string      `json:"recipients"`
	State         DeliveryState `json:"state"`
	Attempts      int           `json:"attempts"`
	LastError     string        `json:"last_error,omitempty"`
	LastAttemptAt time.Time     `json:"last_attempt_at,omitzero"`
	SentAt        time.Time     `json:"sent_at,omitzero"`
	NextAttempt   time.Time     `json:"next_attempt,omitzero"` // pending deliveries only
	CreatedAt     time.Time     `json:"created_at"`
	jobID         int64
}

// ListDeliveries lists deliveries, newest first.
func (s *Store) ListDeliveries(ctx context.Context, f DeliveryFilter) ([]DeliveryInfo, error) {
	out, err := s.queryDeliveries(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	if err := s.addNextAttempts(ctx, out); err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return out, nil
}

func (s *Store) queryDeliveries(ctx context.Context, f DeliveryFilter) ([]DeliveryInfo, error) {
	where, args := []string{"1 = 1"}, []any{}
	if len(f.States) > 0 {
		where = append(where, "d.state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.MessageRef != 0 {
		where, args = append(where, "d.message_ref = ?"), append(args, f.MessageRef)
	}
	if f.ID != 0 {
		where, args = append(where, "d.id = ?"), append(args, f.ID)
	}
	args = append(args, orDefault(f.Limit, 100))
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT d.id, d.message_ref, m.message_id, m.subject, d.caucus,
		d.recipients, d.state, d.attempts_started, d.last_error, d.last_attempt_at, d.sent_at, d.created_at,
		COALESCE(d.job_id, 0)
		FROM deliveries d JOIN messages m ON m.id = d.message_ref
		WHERE `+strings.Join(where, " AND ")+` ORDER BY d.id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeliveryInfo
	for rows.Next() {
		di, err := scanDeliveryInfo(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, di)
	}
	return out, rows.Err()
}

func scanDeliveryInfo(rows *sql.Rows) (DeliveryInfo, error) {
	var di DeliveryInfo
	var rcpts string
	var last, sent sql.NullInt64
	var created int64
	if err := rows.Scan(&di.ID, &di.MessageRef, &di.MessageID, &di.Subject, &di.Caucus, &rcpts, &di.State,
		&di.Attempts, &di.LastError, &last, &sent, &created, &di.jobID); err != nil {
		return di, fmt.Errorf("scan delivery: %w", err)
	}
	if err := json.Unmarshal([]byte(rcpts), &di.Recipients); err != nil {
		return di, fmt.Errorf("decode recipients of delivery %d: %w", di.ID, err)
	}
	di.LastAttemptAt, di.SentAt = fromMicros(last), fromMicros(sent)
	di.CreatedAt = time.UnixMicro(created).UTC()
	return di, nil
}

// addNextAttempts fills NextAttempt of pending deliveries from their jobs.
func (s *Store) addNextAttempts(ctx context.Context, ds []DeliveryInfo) error {
	idx := map[int64]int{}
	var ids []int64
	for i, d := range ds {
		if d.State == StatePending && d.jobID != 0 {
			idx[d.jobID] = i
			ids = append(ids, d.jobID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	res, err := s.client.JobList(ctx, river.NewJobListParams().IDs(ids...).First(len(ids)))
	if err != nil {
		return fmt.Errorf("list delivery jobs: %w", err)
	}
	for _, j := range res.Jobs {
		if j.State != rivertype.JobStateRunning {
			ds[idx[j.ID]].NextAttempt = j.ScheduledAt.UTC()
		}
	}
	return nil
}

// RetryDelivery makes a failed or pending delivery due now, under a new
// job; the old job, if it ever runs again, finds itself superseded and
// does nothing. A cancelled or sent delivery is not retried (ErrWrongState);
// an unknown id is ErrNotFound.
func (s *Store) RetryDelivery(ctx context.Context, id int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		oldJob, err := s.checkDeliveryState(ctx, tx, id, StateFailed, StatePending)
		if err != nil {
			return err
		}
		if err := s.cancelJobTx(ctx, tx, oldJob); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE deliveries SET state = 'pending' WHERE id = ?"), id); err != nil {
			return err
		}
		return s.insertJobsTx(ctx, tx, []river.InsertManyParams{s.deliveryJob(id, time.Time{})})
	})
	if err != nil {
		return fmt.Errorf("retry delivery %d: %w", id, err)
	}
	return nil
}

// CancelDelivery cancels a pending delivery. An attempt already running
// finishes, and if the relay accepts it the delivery is recorded as sent.
func (s *Store) CancelDelivery(ctx context.Context, id int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		job, err := s.checkDeliveryState(ctx, tx, id, StatePending)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE deliveries SET state = 'cancelled' WHERE id = ?"), id); err != nil {
			return err
		}
		return s.cancelJobTx(ctx, tx, job)
	})
	if err != nil {
		return fmt.Errorf("cancel delivery %d: %w", id, err)
	}
	return nil
}

func (s *Store) cancelJobTx(ctx context.Context, tx *sql.Tx, jobID int64) error {
	if jobID == 0 {
		return nil
	}
	if _, err := s.client.JobCancelTx(ctx, tx, jobID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("cancel job %d: %w", jobID, err)
	}
	return nil
}

// ErrWrongState is returned when a record's state does not allow the
// operation (retrying a sent delivery, approving a rejected message).
var ErrWrongState = errors.New("state does not allow this")

// checkDeliveryState returns the delivery's job if its state is one of
// allowed.
func (s *Store) checkDeliveryState(ctx context.Context, tx *sql.Tx, id int64, allowed ...DeliveryState) (int64, error) {
	var jobID sql.NullInt64
	var state string
	err := tx.QueryRowContext(ctx, s.q("SELECT state, job_id FROM deliveries WHERE id = ?"), id).Scan(&state, &jobID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	for _, a := range allowed {
		if string(a) == state {
			return jobID.Int64, nil
		}
	}
	return 0, fmt.Errorf("%w: delivery is %s", ErrWrongState, state)
}
