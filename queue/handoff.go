package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The hand-off takes deliveries from the intake commit straight to a pool
// of in-process senders, without waiting for River's poll (FetchPollInterval:
// without LISTEN/NOTIFY, River only finds new jobs by polling). The
// delivery row stays the record and the River job inserted with it stays
// the durable fallback: a sender claims that very job (available → running,
// attempted by this instance) and the delivery (startAttempt's
// compare-and-set on the attempt number) in one transaction before it
// sends, so River's fetcher, which only takes available jobs, and the
// sender never both send it. A crash after the claim leaves the job
// running under this instance: ClaimDaemon's reclaim replaces it as it does
// any job a dead daemon was running.
//
// While the senders run, intake reserves its due deliveries for them: their
// jobs are committed available but scheduled handoffGrace ahead, and River's
// fetcher takes only jobs whose time has come. Without it River's poll took
// about a quarter of the deliveries of a batch before the senders reached
// them (each then read back from the store, and completed by River in
// transactions of its own). The claim takes an available job whatever its
// time, so the senders are not held back; River takes what they did not
// claim once the grace is over: an offer dropped (a full queue), left in
// the queue at a stop, or lost in a crash. Every instance's fetcher does,
// so no reclaim is needed: the job was never running.

// Bounds of what the hand-off holds: the messages queued (handoffQueue),
// and the bytes of those queued or being sent (handoffRawBudget).
// handoffGrace is longer than the queue takes to drain at the relay's usual
// pace, and short enough as the latency of an offer dropped.
//
// Mapped bytes (Offer.Mapped: a spooled literal) are not on the heap:
// they have a budget of their own (handoffMappedBudget), which bounds the
// spool files kept for the senders. Sharing the heap's, the messages over
// 1 MiB (the 284 kB corpus's 36 of 300 hold 88% of its bytes) filled it,
// and the small ones behind them waited: run -once forwarded half as fast.
const (
	handoffQueue        = 1024
	handoffRawBudget    = 16 << 20
	handoffMappedBudget = 256 << 20
	handoffGrace        = 10 * time.Second
)

// Backpressure. During a backlog (run -once over a full mailbox, a daemon
// catching up) intake commits far faster than the relay sends. An offer
// that found no room used to drop its bytes, and the senders read them
// back from the store: most deliveries of a backlog were (issue 12: 11.1 ms
// of CPU per forwarded message, 8.3 ms with none read back). HandOff waits
// for room instead, so intake runs at the senders' pace, what is held
// stays within the budget, and the bytes are read back only when the
// senders cannot keep up at all. The wait ends, whichever comes first:
//
//   - when the offer fits (bytes, then a place in the queue);
//   - when the senders stop (stopHandoff): what is not queued yet is left
//     to River's workers, which send it once its reservation is over;
//   - when the caller's ctx ends (the supervisor stops), or the batch has
//     waited half the grace: the offer falls back to what HandOff did
//     before, its deliveries without the bytes if the queue has room, else
//     nothing. Half: River leaves the deliveries to the senders for the
//     grace from the commit, and an offer let in at the end of the wait
//     still has to reach the front of the queue within it; waiting longer
//     buys nothing, River takes them. So senders held for minutes (a slow
//     DATA to a big roster, a relay that hangs) slow each batch by half the
//     grace at most, and never stop intake.
//
// A message bigger than the whole budget is offered without its bytes at
// once, never waiting: admitting it alone would hold up to its size beyond
// the budget after intake's batch is released, and a message that big is
// read back in chunks (rawChunkSize) at a cost small beside its SMTP DATA.
// The gateway offers spooled (mapped) literals, those over 1 MiB, with
// their mapping, kept until Release; they wait for room in the mapped
// bytes' budget, not the heap's.
//
// While it waits the caller holds no store transaction (HandOff is called
// after the commit: SQLite's one connection is the senders'), and the IMAP
// supervisor has no command outstanding: its watchdog is quiet while the
// Sink accepts a batch (imapwatch's process).

// handoffItem is the deliveries of one message, offered together.
type handoffItem struct {
	deliveryIDs []int64
	raw         []byte     // the committed copy, held in budget; nil: read from the store
	budget      *rawBudget // the budget raw is held in
	release     func()     // the offer's Release, once raw is no longer read; nil: none
}

// done gives back what the item holds: its room in the budget, and its
// bytes to their owner.
func (it handoffItem) done() {
	if it.budget != nil {
		it.budget.release(int64(len(it.raw)))
	}
	if it.release != nil {
		it.release()
	}
}

// handoff is the queue and the senders that drain it.
type handoff struct {
	items  chan handoffItem
	budget *rawBudget // the bytes on the heap
	mapped *rawBudget // the bytes mapped from spool files
	quit   chan struct{}
	cancel context.CancelFunc // ends the attempts in flight
	wg     sync.WaitGroup     // the senders
	// offering counts the HandOff calls under way: at a stop, the queue is
	// drained once they are over, so no offer queued late keeps its bytes.
	offering sync.WaitGroup
	grace    time.Duration // how long intake reserves deliveries for the senders
	log      *slog.Logger
}

// Offer is one message's deliveries just committed, for HandOff.
type Offer struct {
	DeliveryIDs []int64
	// Raw is the message's bytes as committed, if the caller still holds
	// them; nil: the senders read them from the store. The hand-off keeps
	// them until the deliveries are sent: the caller must not change them.
	Raw []byte
	// Mapped says Raw is mapped from a file (a spooled literal), not on
	// the heap: it is held in the mapped bytes' budget.
	Mapped bool
	// Release, when set, is called once, when nothing reads Raw any more:
	// the deliveries are sent, or the offer was left to River, or Raw was
	// not taken (the senders read the store). The caller may then unmap
	// Raw (a spooled literal).
	Release func()
}

// HandOff offers deliveries just committed (by Intake, AddDeliveries) to
// the running senders, one Offer per message, waiting for room in the
// hand-off (see Backpressure above) for at most half the grace for the
// whole call, and never past ctx or the senders' stop. It never fails:
// whatever it does not hand off, River's workers deliver once intake's
// reservation (handoffGrace) is over. Deliveries that are not due (a
// scheduled forward) or already taken are skipped by the claim. The
// caller must hold no store transaction, and must not be a Deliverer: a
// sender waiting for room it holds itself would wait until the wait ends.
func (s *Store) HandOff(ctx context.Context, offers ...Offer) {
	h := s.enterHandoff()
	if h == nil {
		for _, o := range offers {
			if o.Release != nil {
				o.Release()
			}
		}
		return
	}
	defer h.offering.Done()
	wait, cancel := context.WithTimeout(ctx, h.grace/2)
	defer cancel()
	for _, o := range offers {
		switch {
		case len(o.DeliveryIDs) > 0:
			h.offer(wait, o)
		case o.Release != nil:
			o.Release()
		}
	}
}

// offer queues one message's deliveries with its bytes, waiting for room
// until wait ends or the senders stop; then it falls back to the queue
// without the bytes, or to nothing when the queue has no room either.
func (h *handoff) offer(wait context.Context, o Offer) {
	it := handoffItem{deliveryIDs: o.DeliveryIDs}
	budget := h.budget
	if o.Mapped {
		budget = h.mapped
	}
	if h.hold(wait, budget, o.Raw) {
		it.raw, it.budget, it.release = o.Raw, budget, o.Release
	} else if o.Release != nil {
		o.Release()
	}
	if !h.enqueue(wait, it) {
		it.done()
		h.log.Debug("hand-off full: offer left to River", "deliveries", o.DeliveryIDs)
		return
	}
	if it.raw == nil && o.Raw != nil {
		h.log.Debug("hand-off: offered without the message's bytes", "deliveries", o.DeliveryIDs,
			"bytes", len(o.Raw), "held", budget.holding())
	}
}

// enqueue queues it, waiting for a place until wait ends or the senders
// stop. A place free at once is taken whatever the wait says: that is the
// fallback.
func (h *handoff) enqueue(wait context.Context, it handoffItem) bool {
	if stopping(h) {
		return false
	}
	select {
	case h.items <- it:
		return true
	default:
	}
	if wait.Err() == nil {
		h.log.Debug("hand-off queue full: waiting for the senders", "deliveries", it.deliveryIDs)
	}
	select {
	case h.items <- it:
		return true
	case <-h.quit:
		return false
	case <-wait.Done():
		return false
	}
}

// hold takes room for raw in budget, waiting for the senders to free
// some. false: raw is nil or bigger than the whole budget, or the wait
// ended first.
func (h *handoff) hold(wait context.Context, budget *rawBudget, raw []byte) bool {
	n := int64(len(raw))
	if raw == nil || n > budget.limit {
		return false
	}
	for waited := false; ; waited = true {
		ok, freed := budget.take(n)
		if ok {
			return true
		}
		if !waited {
			h.log.Debug("hand-off full: waiting for the senders", "bytes", n, "held", budget.holding())
		}
		select {
		case <-freed:
		case <-h.quit:
			return false
		case <-wait.Done():
			return false
		}
	}
}

// enterHandoff returns the running hand-off, counted among those offering
// to it until the caller's h.offering.Done; nil when the senders do not
// run.
func (s *Store) enterHandoff() *handoff {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handoff != nil {
		s.handoff.offering.Add(1)
	}
	return s.handoff
}

func (s *Store) currentHandoff() *handoff {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handoff
}

// startHandoff starts n senders; they run until stopHandoff.
func (s *Store) startHandoff(ctx context.Context, dlv Deliverer, n int) {
	sendCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h := &handoff{items: make(chan handoffItem, handoffQueue),
		budget: newRawBudget(handoffRawBudget), mapped: newRawBudget(handoffMappedBudget),
		quit: make(chan struct{}), cancel: cancel, grace: handoffGrace, log: s.log}
	for range n {
		h.wg.Go(func() { s.sendHandedOff(sendCtx, h, dlv) })
	}
	s.mu.Lock()
	s.handoff = h
	s.mu.Unlock()
}

// stopHandoff stops taking offers and waits for the attempts in flight
// until ctx ends, then cancels them (they are retried). Offers still
// queued are left to River.
func (s *Store) stopHandoff(ctx context.Context) error {
	s.mu.Lock()
	h := s.handoff
	s.handoff = nil
	s.mu.Unlock()
	if h == nil {
		return nil
	}
	close(h.quit)
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("stop hand-off senders: %w", ctx.Err())
	}
	h.cancel()
	<-done
	h.offering.Wait() // quick: quit is closed, no offer waits any more
	h.drain()
	return err
}

// drain gives back what the offers still queued hold, once no sender
// runs: River sends their deliveries.
func (h *handoff) drain() {
	for {
		select {
		case it := <-h.items:
			it.done()
		default:
			return
		}
	}
}

func (s *Store) sendHandedOff(ctx context.Context, h *handoff, dlv Deliverer) {
	for {
		select {
		case <-h.quit:
			return
		case it := <-h.items:
			for _, id := range it.deliveryIDs {
				if stopping(h) {
					break
				}
				if err := s.attemptHandedOff(ctx, dlv, id, it.raw); err != nil {
					s.log.WarnContext(ctx, "handed-off delivery left to the workers", "delivery", id, "error", err)
				}
			}
			it.done()
		}
	}
}

func stopping(h *handoff) bool {
	select {
	case <-h.quit:
		return true
	default:
		return false
	}
}

// handoffReservation is the time until which intake reserves the jobs of
// due deliveries for the running senders (now and the grace), zero when
// they do not run: such a job is written available, with that time as its
// scheduled_at (jobInsert.reservedUntil), in the statement that inserts
// it. Deliveries the caller does not hand off wait the grace before River
// sends them.
func (s *Store) handoffReservation() time.Time {
	h := s.currentHandoff()
	if h == nil || h.grace <= 0 {
		return time.Time{}
	}
	return time.Now().Add(h.grace) // River's clock
}

// attemptHandedOff makes one attempt of a handed-off delivery, if it can
// claim it, and settles its job as River's executor would have, in the
// transaction that records the result.
func (s *Store) attemptHandedOff(ctx context.Context, dlv Deliverer, id int64, raw []byte) error {
	d, job, ok, err := s.claimHandedOff(ctx, id)
	if err != nil || !ok {
		return err
	}
	start := time.Now()
	deliverErr := s.deliver(ctx, dlv, d, raw)
	return s.finishHandedOff(ctx, job, d, deliverErr, time.Since(start))
}

// claimHandedOff takes a delivery's current job from River (only if it is
// available: River has not fetched it) and starts the delivery's attempt,
// in one transaction. ok is false when River or another sender has it, or
// when it is not due.
func (s *Store) claimHandedOff(ctx context.Context, id int64) (Delivery, *river.Job[deliveryArgs], bool, error) {
	var d Delivery
	var job *river.Job[deliveryArgs]
	// Shared with the other senders' claims of the moment (inGroupTx), the
	// body may run twice: each run sets d and job anew.
	err := s.inGroupTx(ctx, func(tx *sql.Tx) (err error) {
		d, job, err = s.claimTx(ctx, tx, id)
		return err
	})
	if errors.Is(err, errNotClaimed) {
		return d, nil, false, nil
	}
	if err != nil {
		return d, nil, false, fmt.Errorf("claim handed-off delivery %d: %w", id, err)
	}
	return d, job, job != nil, nil
}

// claimTx claims the delivery's job and starts its attempt in tx. job is
// nil when River or another sender has it, or when it is not due;
// errNotClaimed asks for the job's claim to be rolled back.
func (s *Store) claimTx(ctx context.Context, tx *sql.Tx, id int64) (Delivery, *river.Job[deliveryArgs], error) {
	if s.dialect == dialectPostgres {
		return s.claimPostgresTx(ctx, tx, id)
	}
	row, err := s.claimJobTx(ctx, tx, id)
	if err != nil || row == nil {
		return Delivery{}, nil, err
	}
	d, ok, err := s.startAttempt(ctx, tx, id, row.ID)
	if err != nil {
		return d, nil, err
	}
	if !ok {
		return d, nil, errNotClaimed
	}
	return d, &river.Job[deliveryArgs]{JobRow: row, Args: deliveryArgs{DeliveryID: id}}, nil
}

// errNotClaimed rolls back a claim whose job River did not have but whose
// delivery was not pending under it any more.
var errNotClaimed = errors.New("delivery not claimable")

// The claim moves the delivery's current job from available to running,
// attempted by this instance, as River's fetcher does (attempt, attempted_at,
// attempted_by: reclaimDead reads the last to find the instance). The state
// test is the compare-and-set: River's fetch and another sender's claim
// both need the job available. Parameters: attempted_at, this instance,
// the job kind, the delivery. PostgreSQL's is sqlClaimPostgres.
const (
	sqlClaimJobSQLite = `UPDATE river_job SET state = 'running', attempt = attempt + 1,
			attempted_at = ?, attempted_by = jsonb(json_array(?))
		WHERE state = 'available' AND kind = ? AND id = (SELECT job_id FROM deliveries
			WHERE id = ? AND state = 'pending' AND attempts_started = 0)
		RETURNING id, attempt, max_attempts`
)

// claimedJobRow is a job row as a claim leaves it, attempted now (River's
// clock, as in reclaim) by this instance; the claim's statement fills in
// the rest.
func (s *Store) claimedJobRow() *rivertype.JobRow {
	now := time.Now().UTC()
	return &rivertype.JobRow{Kind: deliveryKind, State: rivertype.JobStateRunning,
		AttemptedAt: &now, AttemptedBy: []string{s.instanceID}}
}

// claimJobTx claims the delivery's current job for this instance. nil: not
// claimed. The row holds what settling the job needs.
func (s *Store) claimJobTx(ctx context.Context, tx *sql.Tx, deliveryID int64) (*rivertype.JobRow, error) {
	row := s.claimedJobRow()
	err := stmt(ctx, tx, s.stmts.claimJob).QueryRowContext(ctx, s.riverTime(*row.AttemptedAt), s.instanceID, deliveryKind, deliveryID).
		Scan(&row.ID, &row.Attempt, &row.MaxAttempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim job: %w", err)
	}
	return row, nil
}
