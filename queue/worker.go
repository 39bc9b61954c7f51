package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// deliveryWorker runs delivery jobs with mox's semantics: the attempt is
// recorded before it is made, the success is recorded synchronously before
// the job returns (River completes jobs in asynchronous batches that a
// kill -9 can lose), and a delivery already final is never attempted.
type deliveryWorker struct {
	river.WorkerDefaults[deliveryArgs]
	s *Store
}

func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	s := w.s
	d, ok, err := s.startAttempt(ctx, job.Args.DeliveryID, job.ID, job.Attempt)
	if err != nil {
		return err
	}
	if !ok {
		return nil // final already, or superseded by a retry's new job
	}
	dlv := s.currentDeliverer()
	if dlv == nil {
		return errors.New("deliver: no deliverer (Start not called)")
	}
	start := time.Now()
	deliverErr := s.deliver(ctx, dlv, d)
	return s.finishAttempt(ctx, job, d, deliverErr, time.Since(start))
}

func (w *deliveryWorker) NextRetry(job *river.Job[deliveryArgs]) time.Time {
	return w.s.nextRetry(job.ID, job.Attempt)
}

func (s *Store) deliver(ctx context.Context, dlv Deliverer, d Delivery) error {
	raw, err := s.OpenRaw(ctx, d.MessageRef)
	if err != nil {
		if errors.Is(err, ErrRawPurged) || errors.Is(err, ErrNotFound) {
			return Permanent(err)
		}
		return err
	}
	defer raw.Close()
	return dlv.Deliver(ctx, d, raw)
}

func (s *Store) currentDeliverer() Deliverer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliverer
}

// startAttempt records an attempt on a pending delivery and loads it, in
// one committed transaction. ok is false when the delivery is final, or
// when jobID is not the delivery's current job: a job RetryDelivery
// replaced can come back (a completion lost in a crash) and must not send
// a second copy.
func (s *Store) startAttempt(ctx context.Context, id, jobID int64, attempt int) (Delivery, bool, error) {
	var d Delivery
	var rcpts, spec string
	err := s.db.QueryRowContext(ctx, s.q(`UPDATE deliveries
		SET attempts_started = attempts_started + 1, last_attempt_at = ?
		WHERE id = ? AND state = 'pending' AND job_id = ?
		RETURNING id, message_ref, caucus, envelope_from, recipients, spec,
			(SELECT message_id FROM messages WHERE messages.id = deliveries.message_ref)`),
		s.micros(s.now()), id, jobID).Scan(&d.ID, &d.MessageRef, &d.Caucus, &d.EnvelopeFrom, &rcpts, &spec, &d.MessageID)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("record attempt of delivery %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(rcpts), &d.Recipients); err != nil {
		return d, false, fmt.Errorf("decode recipients of delivery %d: %w", id, err)
	}
	if spec != "null" {
		d.Spec = json.RawMessage(spec)
	}
	d.Attempt = attempt
	return d, true, nil
}

// finishAttempt records the attempt's result and tells River what to do.
func (s *Store) finishAttempt(ctx context.Context, job *river.Job[deliveryArgs], d Delivery, deliverErr error, took time.Duration) error {
	// The record must survive the job's context ending (shutdown) once the
	// relay has answered: losing a "sent" means sending twice.
	rctx := context.WithoutCancel(ctx)
	state := StateSent
	switch {
	case deliverErr == nil:
	case IsPermanent(deliverErr) || job.Attempt >= job.MaxAttempts:
		state = StateFailed
	default:
		state = StatePending
	}
	if err := s.recordResult(rctx, d.ID, state, deliverErr); err != nil {
		s.log.ErrorContext(rctx, "record delivery result", "delivery", d.ID, "state", state, "error", err)
		return err
	}
	s.report(DeliveryOutcome{Delivery: d, State: state, Err: deliverErr, Duration: took})
	switch {
	case state == StateSent:
		return nil
	case state == StateFailed:
		return river.JobCancel(deliverErr)
	}
	if after, ok := retryAfter(deliverErr); ok {
		s.mu.Lock()
		s.retryAfter[job.ID] = time.Now().Add(after)
		s.mu.Unlock()
	}
	return deliverErr
}

func (s *Store) recordResult(ctx context.Context, id int64, state DeliveryState, deliverErr error) error {
	var msg string
	var sentAt sql.NullInt64
	if deliverErr != nil {
		msg = deliverErr.Error()
	}
	if state == StateSent {
		sentAt = sql.NullInt64{Int64: s.micros(s.now()), Valid: true}
	}
	// A delivery cancelled while its attempt ran keeps "cancelled" unless
	// the relay accepted it: then "sent" is the truth.
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE deliveries SET state = CASE
			WHEN ? = 'sent' OR state = 'pending' THEN ? ELSE state END,
		attempts_finished = attempts_finished + 1, last_error = ?, sent_at = COALESCE(?, sent_at)
		WHERE id = ?`), string(state), string(state), msg, sentAt, id)
	if err != nil {
		return fmt.Errorf("record result of delivery %d: %w", id, err)
	}
	return nil
}

func (s *Store) report(o DeliveryOutcome) {
	if s.opts.OnOutcome != nil {
		s.opts.OnOutcome(o)
	}
	attrs := []any{"delivery", o.Delivery.ID, "message", o.Delivery.MessageRef, "caucus", o.Delivery.Caucus,
		"attempt", o.Delivery.Attempt, "state", o.State, "took", o.Duration}
	if o.Err != nil {
		s.log.Warn("delivery attempt failed", append(attrs, "error", o.Err)...)
		return
	}
	s.log.Info("delivered", attrs...)
}

// Start starts the delivery workers, which hand each due delivery to d.
// The workers run until Stop, or until ctx ends.
func (s *Store) Start(ctx context.Context, d Deliverer) error {
	s.mu.Lock()
	s.deliverer = d
	s.mu.Unlock()
	if err := s.client.Start(ctx); err != nil {
		return fmt.Errorf("start delivery workers: %w", err)
	}
	return nil
}

// Stop stops the workers, waiting for running deliveries until ctx ends.
func (s *Store) Stop(ctx context.Context) error {
	if err := s.client.Stop(ctx); err != nil {
		return fmt.Errorf("stop delivery workers: %w", err)
	}
	return nil
}
