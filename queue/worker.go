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
// back for nothing otherwise), else streamed from the store (a SQLite
// store's file, or raw_chunks). Bytes that are gone (purged, a file lost:
// OpenRaw logged that) fail a delivery that copies them for good.
func (s *Store) deliver(ctx context.Context, dlv Deliverer, d Delivery, inMemory []byte) error {
	if inMemory != nil {
		return dlv.Deliver(ctx, d, bytes.NewReader(inMemory))
	}
	raw, err := s.OpenRaw(ctx, d.MessageRef)
	if errors.Is(err, ErrRawPurged) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrRawMissing) {
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
	if err := decodeAttempt(&d, rcpts, spec); err != nil {
		return d, false, err
	}
	return d, true, nil
}

// decodeAttempt fills in the recipients and spec a started attempt's row
// holds as JSON.
func decodeAttempt(d *Delivery, rcpts, spec string) error {
	if err := json.Unmarshal([]byte(rcpts), &d.Recipients); err != nil {
		return fmt.Errorf("decode recipients of delivery %d: %w", d.ID, err)
	}
	if spec != "null" {
		d.Spec = json.RawMessage(spec)
	}
	return nil
}

// finishAttempt records the attempt's result and tells River what to do.
func (s *Store) finishAttempt(ctx context.Context, job *river.Job[deliveryArgs], d Delivery, deliverErr error, took time.Duration) error {
	r := judge(job, deliverErr)
	if owner, err := s.finish(ctx, d, r, took, nil, recordRetriesFor); err != nil || !owner {
		// Not the owner: reclaimed while it ran, its job was replaced and
		// cancelled, and whatever River is told about it changes nothing.
		return err
	}
	if after, ok := retryAfter(r.err); ok && r.state == StatePending {
		s.mu.Lock()
		s.retryAfter[job.ID] = time.Now().Add(after)
		s.mu.Unlock()
	}
	return r.verdict
}

// finishHandedOff records a handed-off attempt's result and settles its
// job in the same transaction, as River's executor would have after
// finishAttempt: one commit where River's path makes two. A store that
// fails (a connection cut) is tried again for settleRetriesFor, as River's
// completer does for its own jobs: a job left running under a live
// instance is never reclaimed, and would wait for River's stuck-job
// rescue (rescueStuckAfter).
func (s *Store) finishHandedOff(ctx context.Context, job *river.Job[deliveryArgs], d Delivery, deliverErr error, took time.Duration) error {
	r := judge(job, deliverErr)
	retryAt := time.Now().Add(s.retry.Delay(max(job.Attempt, 1)))
	if after, ok := retryAfter(r.err); ok {
		retryAt = time.Now().Add(after)
	}
	settle := func(owner bool) jobSettlement {
		if !owner {
			// Reclaimed while it ran: its job was replaced and finalized,
			// and this changes nothing, as River's completion would not.
			return settlementOf(job, nil, retryAt)
		}
		return settlementOf(job, r.verdict, retryAt)
	}
	_, err := s.finish(ctx, d, r, took, settle, settleRetriesFor)
	return err
}

// How long a result that fails to be recorded is tried again: a lost
// "sent" means sending twice.
const (
	recordRetriesFor = 2 * time.Second
	settleRetriesFor = time.Minute
)

// attemptResult is what an attempt's answer means for its delivery and job.
type attemptResult struct {
	state   DeliveryState
	err     error // the relay's, nil for an acceptance (even partial)
	requeue []NewDelivery
	verdict error // what the job's worker returns to River
}

func judge(job *river.Job[deliveryArgs], deliverErr error) attemptResult {
	requeue, partial := requeueOf(deliverErr)
	if partial {
		deliverErr = nil
	}
	r := attemptResult{state: StateSent, err: deliverErr, requeue: requeue}
	switch {
	case deliverErr == nil:
	case IsPermanent(deliverErr) || job.Attempt >= job.MaxAttempts:
		r.state, r.verdict = StateFailed, river.JobCancel(deliverErr)
	default:
		r.state, r.verdict = StatePending, deliverErr
	}
	return r
}

// finish records r (settling the job with it when settle is set) and
// reports the outcome if the attempt still owned the delivery.
func (s *Store) finish(ctx context.Context, d Delivery, r attemptResult, took time.Duration,
	settle func(owner bool) jobSettlement, retryFor time.Duration) (owner bool, err error) {
	// The record must survive the job's context ending (shutdown) once the
	// relay has answered: losing a "sent" means sending twice.
	rctx := context.WithoutCancel(ctx)
	if owner, err = s.recordResult(rctx, d, r, settle, retryFor); err != nil {
		s.log.ErrorContext(rctx, "record delivery result", "delivery", d.ID, "state", r.state, "error", err)
		return false, err
	}
	if owner {
		s.report(DeliveryOutcome{Delivery: d, State: r.state, Err: r.err, Duration: took})
	}
	return owner, nil
}

// recordResult records an attempt's result, with the deliveries a partial
// acceptance requeues, if the attempt still owns the delivery: no later
// attempt started since (compare-and-set on the attempt number). owner is
// false for an attempt that was reclaimed while it ran; its result is then
// recordStale's to weigh. A write that fails is tried again for retryFor.
func (s *Store) recordResult(ctx context.Context, d Delivery, r attemptResult,
	settle func(owner bool) jobSettlement, retryFor time.Duration) (owner bool, err error) {
	giveUp := time.Now().Add(retryFor)
	for wait := 100 * time.Millisecond; ; wait = min(4*wait, 10*time.Second) {
		owner, err = s.recordOwned(ctx, d, r, settle)
		if err == nil || time.Now().After(giveUp) {
			break
		}
		s.log.WarnContext(ctx, "record delivery result, retrying", "delivery", d.ID, "error", err)
		time.Sleep(wait)
	}
	if err != nil || owner {
		return owner, err
	}
	return false, s.recordStale(ctx, d, r.state)
}

// recordOwned is recordResult's one try, in a transaction shared with the
// other senders' that record at the same moment (inGroupTx): its body may
// run twice, and sets owner anew each time.
func (s *Store) recordOwned(ctx context.Context, d Delivery, r attemptResult, settle func(owner bool) jobSettlement) (owner bool, err error) {
	err = s.inGroupTx(ctx, func(tx *sql.Tx) error {
		owner, err = s.recordSettlingTx(ctx, tx, d, r, settle)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record result of delivery %d: %w", d.ID, err)
	}
	return owner, nil
}

// recordSettlingTx is recordOwned's transaction: the record, and the
// job's settlement when settle is set.
func (s *Store) recordSettlingTx(ctx context.Context, tx *sql.Tx, d Delivery, r attemptResult, settle func(owner bool) jobSettlement) (owner bool, err error) {
	if s.dialect == dialectPostgres && settle != nil {
		owner, settled, err := s.recordSettledPostgresTx(ctx, tx, d, r, settle(true))
		if err != nil || settled {
			return owner, err
		}
		// Nothing written: reclaimed, or recorded already.
		if owner, err = s.ownsAttemptTx(ctx, tx, d); err != nil {
			return false, err
		}
		return owner, s.settleTx(ctx, tx, settle(owner))
	}
	if owner, err = s.recordOwnedTx(ctx, tx, d, r); err != nil || settle == nil {
		return owner, err
	}
	return owner, s.settleTx(ctx, tx, settle(owner))
}

func (s *Store) recordOwnedTx(ctx context.Context, tx *sql.Tx, d Delivery, r attemptResult) (owner bool, err error) {
	res, err := stmt(ctx, tx, s.stmts.recordResult).ExecContext(ctx, s.recordArgs(d, r)...)
	if err != nil {
		return false, err
	}
	recorded, err := affected(res)
	if err != nil {
		return false, err
	}
	if !recorded {
		// Reclaimed; or recorded already, by a commit whose answer was
		// lost. Only then is the owner asked for: the update's own
		// condition answers the common case (issue 12).
		return s.ownsAttemptTx(ctx, tx, d)
	}
	return true, s.requeueTx(ctx, tx, d, r)
}

// recordArgs are sqlRecordResult's parameters for d's attempt ending in r.
func (s *Store) recordArgs(d Delivery, r attemptResult) []any {
	var msg string
	var sentAt sql.NullInt64
	if r.err != nil {
		msg = r.err.Error()
	}
	if r.state == StateSent {
		sentAt = sql.NullInt64{Int64: s.micros(s.now()), Valid: true}
	}
	return []any{string(r.state), string(r.state), msg, sentAt, d.ID, d.Attempt, string(r.state)}
}

// requeueTx adds the deliveries a partial acceptance leaves to make, with
// their jobs.
func (s *Store) requeueTx(ctx context.Context, tx *sql.Tx, d Delivery, r attemptResult) error {
	if len(r.requeue) == 0 {
		return nil
	}
	ids, err := s.insertDeliveries(ctx, tx, d.MessageRef, r.requeue)
	if err != nil {
		return err
	}
	return s.insertJobsTx(ctx, tx, s.deliveryJobs(ids, r.requeue))
}

// ownsAttemptTx says whether d's attempt is still the delivery's latest.
func (s *Store) ownsAttemptTx(ctx context.Context, tx *sql.Tx, d Delivery) (bool, error) {
	var started int
	if err := stmt(ctx, tx, s.stmts.attemptOwner).QueryRowContext(ctx, d.ID).Scan(&started); err != nil {
		return false, err
	}
	return started == d.Attempt, nil
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
