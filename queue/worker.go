package queue

import (
	"bytes"
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
	d, ok, err := s.startAttempt(ctx, nil, job.Args.DeliveryID, job.ID)
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
	deliverErr := s.deliver(ctx, dlv, d, nil)
	return s.finishAttempt(ctx, job, d, deliverErr, time.Since(start))
}

func (w *deliveryWorker) NextRetry(job *river.Job[deliveryArgs]) time.Time {
	return w.s.nextRetry(job.ID, job.Attempt)
}

// deliver hands d to dlv with the message's bytes: inMemory when the
// hand-off still holds the copy intake committed (the same bytes, read
// back for nothing otherwise), else streamed from the store.
func (s *Store) deliver(ctx context.Context, dlv Deliverer, d Delivery, inMemory []byte) error {
	if inMemory != nil {
		return dlv.Deliver(ctx, d, bytes.NewReader(inMemory))
	}
	raw, err := s.OpenRaw(ctx, d.MessageRef)
	if errors.Is(err, ErrRawPurged) || errors.Is(err, ErrNotFound) {
		return deliverWithoutRaw(ctx, dlv, d, err)
	}
	if err != nil {
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

// startAttempt claims a pending delivery for one attempt and loads it, in
// one committed statement: the record exists before the attempt is made.
// The claim is a compare-and-set on the attempt number: the attempt gets
// the number it raised attempts_started to, and owns the delivery while
// that number is current (finishAttempt). ok is false when the delivery
// is final, or when jobID is not the delivery's current job: a job that
// RetryDelivery or a reclaim replaced can come back (a completion lost in
// a crash, a paused instance waking up) and must not send a second copy.
func (s *Store) startAttempt(ctx context.Context, tx *sql.Tx, id, jobID int64) (Delivery, bool, error) {
	var d Delivery
	var rcpts, spec string
	err := stmt(ctx, tx, s.stmts.startAttempt).QueryRowContext(ctx,
		s.micros(s.now()), id, jobID).Scan(&d.ID, &d.MessageRef, &d.Caucus, &d.EnvelopeFrom, &rcpts, &spec, &d.Attempt, &d.MessageID)
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
	return d, true, nil
}

// finishAttempt records the attempt's result and tells River what to do.
func (s *Store) finishAttempt(ctx context.Context, job *river.Job[deliveryArgs], d Delivery, deliverErr error, took time.Duration) error {
	// The record must survive the job's context ending (shutdown) once the
	// relay has answered: losing a "sent" means sending twice.
	rctx := context.WithoutCancel(ctx)
	requeue, partial := requeueOf(deliverErr)
	if partial {
		deliverErr = nil
	}
	state := StateSent
	switch {
	case deliverErr == nil:
	case IsPermanent(deliverErr) || job.Attempt >= job.MaxAttempts:
		state = StateFailed
	default:
		state = StatePending
	}
	owner, err := s.recordResult(rctx, d, state, deliverErr, requeue)
	if err != nil {
		s.log.ErrorContext(rctx, "record delivery result", "delivery", d.ID, "state", state, "error", err)
		return err
	}
	if !owner {
		// Reclaimed while it ran: its job was replaced and cancelled, and
		// whatever River is told about it changes nothing.
		return nil
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

// recordResult records an attempt's result, with the deliveries a partial
// acceptance requeues, if the attempt still owns the delivery: no later
// attempt started since (compare-and-set on the attempt number). owner is
// false for an attempt that was reclaimed while it ran; its result is then
// recordStale's to weigh. A write that fails is tried again a few times:
// a lost "sent" means sending twice.
func (s *Store) recordResult(ctx context.Context, d Delivery, state DeliveryState, deliverErr error, requeue []NewDelivery) (owner bool, err error) {
	for wait := 100 * time.Millisecond; ; wait *= 4 {
		owner, err = s.recordOwned(ctx, d, state, deliverErr, requeue)
		if err == nil || wait > 2*time.Second {
			break
		}
		s.log.WarnContext(ctx, "record delivery result, retrying", "delivery", d.ID, "error", err)
		time.Sleep(wait)
	}
	if err != nil || owner {
		return owner, err
	}
	return false, s.recordStale(ctx, d, state)
}

func (s *Store) recordOwned(ctx context.Context, d Delivery, state DeliveryState, deliverErr error, requeue []NewDelivery) (owner bool, err error) {
	var msg string
	var sentAt sql.NullInt64
	if deliverErr != nil {
		msg = deliverErr.Error()
	}
	if state == StateSent {
		sentAt = sql.NullInt64{Int64: s.micros(s.now()), Valid: true}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var started int
		var current string
		if err := stmt(ctx, tx, s.stmts.attemptOwner).QueryRowContext(ctx, d.ID).Scan(&started, &current); err != nil {
			return err
		}
		if owner = started == d.Attempt; !owner || (state == StateSent && current == string(StateSent)) {
			return nil // reclaimed; or recorded already, by a commit whose answer was lost
		}
		res, err := stmt(ctx, tx, s.stmts.recordResult).ExecContext(ctx,
			string(state), string(state), msg, sentAt, d.ID, d.Attempt)
		if err != nil {
			return err
		}
		// The compare-and-set decides, not the read above: under READ
		// COMMITTED a retry may have started in between.
		if owner, err = affected(res); err != nil || !owner || len(requeue) == 0 {
			return nil
		}
		ids, err := s.insertDeliveries(ctx, tx, d.MessageRef, requeue)
		if err != nil {
			return err
		}
		return s.insertJobsTx(ctx, tx, s.deliveryJobs(ids, requeue))
	})
	if err != nil {
		return false, fmt.Errorf("record result of delivery %d: %w", d.ID, err)
	}
	return owner, nil
}

// recordStale weighs the result of an attempt that lost the delivery to a
// later one. Only an acceptance matters: the relay has the message. If no
// retry has started yet (a reclaim only scheduled one), recordResult's
// compare-and-set succeeded and this is not reached; here a retry started,
// so the acceptance is a counted duplicate. The delivery is recorded as
// sent all the same, so that no further retry follows, and a failure of
// the retry in flight does not turn it into "failed".
func (s *Store) recordStale(ctx context.Context, d Delivery, state DeliveryState) error {
	if state != StateSent {
		s.log.InfoContext(ctx, "result of a reclaimed attempt ignored", "delivery", d.ID, "attempt", d.Attempt, "state", state)
		return nil
	}
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE deliveries SET state = 'sent',
		duplicates = duplicates + 1, sent_at = COALESCE(sent_at, ?) WHERE id = ?`), s.micros(s.now()), d.ID)
	if err != nil {
		return fmt.Errorf("record late acceptance of delivery %d: %w", d.ID, err)
	}
	s.log.WarnContext(ctx, "relay accepted a reclaimed attempt after its retry started: counted as a duplicate",
		"delivery", d.ID, "attempt", d.Attempt)
	return nil
}

func (s *Store) report(o DeliveryOutcome) {
	if s.opts.OnOutcome != nil {
		s.opts.OnOutcome(o)
	}
	attrs := []any{"delivery", o.Delivery.ID, "message", o.Delivery.MessageRef, "caucus", o.Delivery.Caucus,
		"attempt", o.Delivery.Attempt, "state", o.State, "took", o.Duration}
	// The gateway logs each outcome once, with its recipients; this is
	// the store's view, for debugging.
	if o.Err != nil {
		s.log.Debug("delivery attempt failed", append(attrs, "error", o.Err)...)
		return
	}
	s.log.Debug("delivery attempt done", attrs...)
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
	s.startHandoff(ctx, d, s.workers())
	return nil
}

func (s *Store) workers() int { return orDefault(s.opts.Workers, 4) }

// Stop stops the workers, waiting for running deliveries until ctx ends;
// those still running then are cancelled (and retried later).
func (s *Store) Stop(ctx context.Context) error {
	handoffErr := s.stopHandoff(ctx)
	err := s.client.Stop(ctx)
	if err == nil {
		return handoffErr
	}
	cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return errors.Join(handoffErr, fmt.Errorf("stop delivery workers: %w", err), s.client.StopAndCancel(cancelCtx))
}
