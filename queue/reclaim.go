package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Heartbeats of PostgreSQL instances: an instance whose heartbeat is older
// than instanceDeadAfter is dead, and its running jobs are reclaimed.
const (
	heartbeatEvery    = 10 * time.Second
	instanceDeadAfter = 60 * time.Second
	reclaimEvery      = 30 * time.Second
)

// ClaimDaemon makes this process the store's daemon and reclaims the
// deliveries a crashed daemon left running. On SQLite it holds an flock on
// DSN.lock (a second daemon gets a *StoreInUseError), then every job still
// running is an orphan, and so is every raw file no message names (removed
// before intake starts: sweepRaw). On PostgreSQL, where several instances
// share the store, it registers this instance with a heartbeat and
// reclaims the jobs of instances whose heartbeat stopped, at once and then
// periodically.
// CLI commands never call it. release undoes the claim, and on PostgreSQL
// releases this instance's slot claims: call it once nothing sends under
// them any more.
func (s *Store) ClaimDaemon(ctx context.Context) (release func(), err error) {
	if s.dialect == dialectSQLite {
		return s.claimSQLite(ctx)
	}
	return s.claimPostgres(ctx)
}

func (s *Store) claimSQLite(ctx context.Context) (func(), error) {
	unlock, err := lockFile(s.path+".lock", s.raw.owner)
	if err != nil {
		return nil, fmt.Errorf("claim store: %w", err)
	}
	if err := s.sweepRaw(ctx); err != nil {
		unlock()
		return nil, fmt.Errorf("claim store: %w", err)
	}
	// One daemon holds a SQLite store: every slot claim and mailbox lease
	// left is a dead daemon's. Its items must not wait for the claim to
	// expire, nor the next daemon (or run -once) be refused its mailboxes.
	// Expiring a lease keeps its fence, which the next acquisition raises.
	for table, what := range map[string]string{"slot_claims": "slot claims", "leases": "mailbox leases"} {
		if _, err := s.db.ExecContext(ctx, "UPDATE "+table+" SET expires_at = 0"); err != nil {
			unlock()
			return nil, fmt.Errorf("release %s: %w", what, err)
		}
	}
	if _, err := s.reclaim(ctx, func(*rivertype.JobRow) bool { return true }); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

func (s *Store) claimPostgres(ctx context.Context) (func(), error) {
	if err := s.register(ctx); err != nil {
		return nil, err
	}
	if _, err := s.reclaimDead(ctx); err != nil {
		return nil, err
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { s.heartbeatLoop(loopCtx) })
	return func() {
		cancel()
		wg.Wait()
		s.deregister(context.WithoutCancel(ctx))
	}, nil
}

// deregister forgets this instance as it stops (a daemon's SIGTERM, the end
// of run -once). Its slot claims go with it: the caller has stopped
// sending under them, and another instance (or the next run -once) must
// take its slots over at once, not after SlotClaimTTL. A kill -9 skips
// this; reclaimDead then releases them once the heartbeat is stale.
func (s *Store) deregister(ctx context.Context) {
	if err := s.releaseSlotClaims(ctx, s.instanceID); err != nil {
		s.log.Warn("release this instance's slot claims", "error", err)
	}
	if _, err := s.db.ExecContext(ctx, s.q("DELETE FROM instances WHERE id = ?"), s.instanceID); err != nil {
		s.log.Warn("unregister instance", "error", err)
	}
}

// register records this instance with a heartbeat of the database's clock.
func (s *Store) register(ctx context.Context) error {
	host, _ := os.Hostname()
	now := s.dbNow()
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO instances (id, host, pid, started_at, heartbeat_at)
		VALUES (?, ?, ?, `+now+`, `+now+`) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`),
		s.instanceID, host, os.Getpid()); err != nil {
		return fmt.Errorf("register instance: %w", err)
	}
	return nil
}

func (s *Store) heartbeatLoop(ctx context.Context) {
	beat := time.NewTicker(heartbeatEvery)
	defer beat.Stop()
	lastReclaim := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
		}
		if err := s.heartbeat(ctx); err != nil {
			s.log.WarnContext(ctx, "instance heartbeat", "error", err)
		}
		if time.Since(lastReclaim) >= reclaimEvery {
			lastReclaim = time.Now()
			if _, err := s.reclaimDead(ctx); err != nil {
				s.log.WarnContext(ctx, "reclaim jobs of dead instances", "error", err)
			}
			if _, err := s.reclaimUnstarted(ctx); err != nil {
				s.log.WarnContext(ctx, "reclaim fetched jobs never started", "error", err)
			}
		}
	}
}

// heartbeat writes this instance's heartbeat, and registers it again if
// another instance took it for dead and deleted it (a pause longer than
// instanceDeadAfter): its jobs were reclaimed, but it is alive and keeps
// working, and must not stay invisible to the others.
func (s *Store) heartbeat(ctx context.Context) error {
	res, err := s.db.ExecContext(ctx, s.q("UPDATE instances SET heartbeat_at = "+s.dbNow()+" WHERE id = ?"), s.instanceID)
	if err != nil {
		return err
	}
	if beat, err := affected(res); err != nil || beat {
		return err
	}
	s.log.WarnContext(ctx, "this instance was taken for dead and deregistered; registering again")
	return s.register(ctx)
}

// reclaimDead reclaims the running jobs of instances whose heartbeat is
// stale. Jobs of clients that never registered (none in production: Start
// is called after ClaimDaemon) are left to River's own rescuer.
func (s *Store) reclaimDead(ctx context.Context) (int, error) {
	dead, err := s.deadInstances(ctx)
	if err != nil || len(dead) == 0 {
		return 0, err
	}
	n, err := s.reclaim(ctx, func(j *rivertype.JobRow) bool {
		return len(j.AttemptedBy) > 0 && dead[j.AttemptedBy[len(j.AttemptedBy)-1]]
	})
	if err != nil {
		return n, err
	}
	for id := range dead {
		if err := s.releaseSlotClaims(ctx, id); err != nil {
			return n, err
		}
		// Only if still silent: it may have beaten since it was listed.
		if _, err := s.db.ExecContext(ctx, s.q("DELETE FROM instances WHERE id = ? AND heartbeat_at < "+s.dbNow()+" - ?"),
			id, instanceDeadAfter.Microseconds()); err != nil {
			return n, fmt.Errorf("forget dead instance: %w", err)
		}
	}
	return n, nil
}

// unstartedAfter is how long a running delivery job may go without its
// attempt being started before it counts as orphaned. A worker starts the
// attempt as its first act, within milliseconds of River's fetch.
const unstartedAfter = 2 * time.Minute

// reclaimUnstarted reclaims running delivery jobs whose attempt was never
// started (the delivery's attempts_started is behind the job's attempt)
// for unstartedAfter, whoever fetched them. This happens to a live
// instance when the connection is cut after River's fetch committed but
// before its answer arrived: River never sees the jobs, and its own
// rescue (rescueStuckAfter) comes a day later. Taking them over is safe:
// a worker that did get the job can no longer start it (startAttempt
// needs the delivery's current job). PostgreSQL only; the times compared
// are both the database's.
func (s *Store) reclaimUnstarted(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT j.id FROM river_job j JOIN deliveries d ON d.job_id = j.id
		WHERE j.state = 'running' AND j.kind = $1 AND d.state = 'pending' AND d.attempts_started < j.attempt
		AND j.attempted_at < clock_timestamp() - make_interval(secs => $2)`, deliveryKind, unstartedAfter.Seconds())
	if err != nil {
		return 0, fmt.Errorf("list unstarted jobs: %w", err)
	}
	defer rows.Close()
	unstarted := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("scan unstarted job: %w", err)
		}
		unstarted[id] = true
	}
	if err := rows.Err(); err != nil || len(unstarted) == 0 {
		return 0, err
	}
	return s.reclaim(ctx, func(j *rivertype.JobRow) bool { return unstarted[j.ID] })
}

func (s *Store) deadInstances(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id FROM instances WHERE heartbeat_at < "+s.dbNow()+" - ? AND id <> ?"),
		instanceDeadAfter.Microseconds(), s.instanceID)
	if err != nil {
		return nil, fmt.Errorf("list dead instances: %w", err)
	}
	defer rows.Close()
	dead := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan instance: %w", err)
		}
		dead[id] = true
	}
	return dead, rows.Err()
}

// reclaim takes orphaned running jobs away from the attempts that ran
// them: each is finalized (cancelled) in River and its delivery, if still
// pending, gets a new job, which becomes the only one allowed to attempt
// it. Rescuing the same job instead would let the orphaned worker, if it
// was only paused, complete or reschedule the job its successor is
// running. A delivery that shows one crashed attempt is due at once; one
// that crashed repeatedly waits a backoff, so a message that kills the
// process does not kill it in a hot loop.
func (s *Store) reclaim(ctx context.Context, orphan func(*rivertype.JobRow) bool) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		exec := s.driver.UnwrapExecutor(tx)
		jobs, err := s.runningJobs(ctx, exec)
		if err != nil {
			return err
		}
		params := &riverdriver.JobRescueManyParams{StuckHorizon: time.Now().Add(time.Hour)}
		var replace []replacement
		for _, j := range jobs {
			if j.Kind != deliveryKind || !orphan(j) {
				continue
			}
			r, err := s.addRescue(ctx, tx, params, j)
			if err != nil {
				return err
			}
			if r != nil {
				replace = append(replace, *r)
			}
		}
		if n = len(params.ID); n == 0 {
			return nil
		}
		if _, err := exec.JobRescueMany(ctx, params); err != nil {
			return fmt.Errorf("finalize orphaned jobs: %w", err)
		}
		for _, r := range replace {
			if err := s.replaceJobTx(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reclaim orphaned jobs: %w", err)
	}
	if n > 0 {
		s.log.InfoContext(ctx, "reclaimed orphaned delivery jobs", "count", n)
	}
	return n, nil
}

// runningJobs lists every running job; the horizon is in the future
// because on this path being orphaned, not being old, is the criterion.
func (s *Store) runningJobs(ctx context.Context, exec riverdriver.ExecutorTx) ([]*rivertype.JobRow, error) {
	var all []*rivertype.JobRow
	var after int64
	for {
		jobs, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{
			AfterID: after, Max: 1000, StuckHorizon: time.Now().Add(time.Hour)})
		if err != nil {
			return nil, fmt.Errorf("list running jobs: %w", err)
		}
		all = append(all, jobs...)
		if len(jobs) < 1000 {
			return all, nil
		}
		after = jobs[len(jobs)-1].ID
	}
}

// replacement is the job that takes over a reclaimed delivery.
type replacement struct {
	delivery int64
	old      *rivertype.JobRow
	state    rivertype.JobState // available, or retryable after repeated crashes
	at       time.Time
	errData  []byte
}

// addRescue finalizes orphaned job j and returns what replaces it, or nil
// when its delivery is final or gone.
func (s *Store) addRescue(ctx context.Context, tx *sql.Tx, p *riverdriver.JobRescueManyParams, j *rivertype.JobRow) (*replacement, error) {
	deliveryID, crashed, pending, err := s.crashedAttempts(ctx, tx, j)
	if err != nil {
		return nil, err
	}
	// River's clock, not ours: these times are compared by River's
	// scheduler and fetcher with the database's time.
	now := time.Now().UTC()
	errData, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(j.Attempt, 0),
		Error: fmt.Sprintf("reclaimed after a crash (%d crashed attempts)", crashed)})
	if err != nil {
		return nil, fmt.Errorf("encode rescue error: %w", err)
	}
	p.ID = append(p.ID, j.ID)
	p.Error = append(p.Error, errData)
	p.FinalizedAt = append(p.FinalizedAt, &now)
	p.ScheduledAt = append(p.ScheduledAt, now)
	p.State = append(p.State, string(rivertype.JobStateCancelled))
	if !pending {
		return nil, nil
	}
	r := &replacement{delivery: deliveryID, old: j, state: rivertype.JobStateAvailable, at: now, errData: errData}
	if crashed > 1 {
		r.state, r.at = rivertype.JobStateRetryable, now.Add(s.retry.Delay(crashed-1))
	}
	return r, nil
}

// replaceJobTx inserts the job that takes over a reclaimed delivery. It
// carries on the orphaned job's attempt count and errors, so the retry
// budget and `queue list` read as if the same job had been rescued.
func (s *Store) replaceJobTx(ctx context.Context, tx *sql.Tx, r replacement) error {
	res, err := s.client.InsertTx(ctx, tx, deliveryArgs{DeliveryID: r.delivery},
		&river.InsertOpts{MaxAttempts: r.old.MaxAttempts, ScheduledAt: r.at})
	if err != nil {
		return fmt.Errorf("insert job replacing %d: %w", r.old.ID, err)
	}
	errs := make([][]byte, 0, len(r.old.Errors)+1)
	for _, e := range r.old.Errors {
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("encode error of job %d: %w", r.old.ID, err)
		}
		errs = append(errs, b)
	}
	errs = append(errs, r.errData)
	if _, err := s.driver.UnwrapExecutor(tx).JobUpdateFull(ctx, &riverdriver.JobUpdateFullParams{
		ID: res.Job.ID, AttemptDoUpdate: true, Attempt: max(r.old.Attempt, 0),
		ErrorsDoUpdate: true, Errors: errs, StateDoUpdate: true, State: r.state}); err != nil {
		return fmt.Errorf("carry attempts of job %d to job %d: %w", r.old.ID, res.Job.ID, err)
	}
	if _, err := tx.ExecContext(ctx, s.q("UPDATE deliveries SET job_id = ? WHERE id = ?"), res.Job.ID, r.delivery); err != nil {
		return fmt.Errorf("record job of delivery %d: %w", r.delivery, err)
	}
	return nil
}

// crashedAttempts counts the attempts of a job's delivery that started and
// never finished, and says whether the delivery is still pending (only a
// pending delivery needs a new job).
func (s *Store) crashedAttempts(ctx context.Context, tx *sql.Tx, j *rivertype.JobRow) (id int64, crashed int, pending bool, err error) {
	var args deliveryArgs
	if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
		return 0, 0, false, nil // undecodable: nothing to deliver
	}
	var started, finished int
	var state string
	var current sql.NullInt64
	err = tx.QueryRowContext(ctx, s.q(`SELECT attempts_started, attempts_finished, state, job_id
		FROM deliveries WHERE id = ?`), args.DeliveryID).Scan(&started, &finished, &state, &current)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return args.DeliveryID, 0, false, nil
	case err != nil:
		return 0, 0, false, fmt.Errorf("read attempts of delivery %d: %w", args.DeliveryID, err)
	case state != string(StatePending) || current.Int64 != j.ID:
		// Final, or already superseded (queue retry): nothing to replace.
		return args.DeliveryID, 0, false, nil
	}
	return args.DeliveryID, started - finished, true, nil
}
