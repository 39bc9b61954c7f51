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
// running is an orphan. On PostgreSQL, where several instances share the
// store, it registers this instance with a heartbeat and reclaims the jobs
// of instances whose heartbeat stopped, at once and then periodically.
// CLI commands never call it. release undoes the claim.
func (s *Store) ClaimDaemon(ctx context.Context) (release func(), err error) {
	if s.dialect == dialectSQLite {
		return s.claimSQLite(ctx)
	}
	return s.claimPostgres(ctx)
}

func (s *Store) claimSQLite(ctx context.Context) (func(), error) {
	unlock, err := lockFile(s.path + ".lock")
	if err != nil {
		return nil, fmt.Errorf("claim store: %w", err)
	}
	if _, err := s.reclaim(ctx, func(*rivertype.JobRow) bool { return true }); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

func (s *Store) claimPostgres(ctx context.Context) (func(), error) {
	host, _ := os.Hostname()
	now := s.micros(s.now())
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO instances (id, host, pid, started_at, heartbeat_at)
		VALUES (?, ?, ?, ?, ?)`), s.instanceID, host, os.Getpid(), now, now); err != nil {
		return nil, fmt.Errorf("register instance: %w", err)
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
		if _, err := s.db.ExecContext(context.WithoutCancel(ctx), s.q("DELETE FROM instances WHERE id = ?"), s.instanceID); err != nil {
			s.log.Warn("unregister instance", "error", err)
		}
	}, nil
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
		if _, err := s.db.ExecContext(ctx, s.q("UPDATE instances SET heartbeat_at = ? WHERE id = ?"),
			s.micros(s.now()), s.instanceID); err != nil {
			s.log.WarnContext(ctx, "instance heartbeat", "error", err)
		}
		if time.Since(lastReclaim) >= reclaimEvery {
			lastReclaim = time.Now()
			if _, err := s.reclaimDead(ctx); err != nil {
				s.log.WarnContext(ctx, "reclaim jobs of dead instances", "error", err)
			}
		}
	}
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
		if _, err := s.db.ExecContext(ctx, s.q("DELETE FROM instances WHERE id = ?"), id); err != nil {
			return n, fmt.Errorf("forget dead instance: %w", err)
		}
	}
	return n, nil
}

func (s *Store) deadInstances(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT id FROM instances WHERE heartbeat_at < ? AND id <> ?"),
		s.micros(s.now().Add(-instanceDeadAfter)), s.instanceID)
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

// reclaim makes orphaned running jobs runnable again through River's own
// rescue query. A job whose delivery shows one crashed attempt is due at
// once; one that crashed repeatedly waits a backoff, so a message that
// kills the process does not kill it in a hot loop.
func (s *Store) reclaim(ctx context.Context, orphan func(*rivertype.JobRow) bool) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		exec := s.driver.UnwrapExecutor(tx)
		jobs, err := s.runningJobs(ctx, exec)
		if err != nil {
			return err
		}
		params := &riverdriver.JobRescueManyParams{StuckHorizon: time.Now().Add(time.Hour)}
		for _, j := range jobs {
			if j.Kind != deliveryKind || !orphan(j) {
				continue
			}
			if err := s.addRescue(ctx, tx, params, j); err != nil {
				return err
			}
		}
		if n = len(params.ID); n == 0 {
			return nil
		}
		if _, err := exec.JobRescueMany(ctx, params); err != nil {
			return fmt.Errorf("rescue jobs: %w", err)
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

func (s *Store) addRescue(ctx context.Context, tx *sql.Tx, p *riverdriver.JobRescueManyParams, j *rivertype.JobRow) error {
	crashed, err := s.crashedAttempts(ctx, tx, j)
	if err != nil {
		return err
	}
	// River's clock, not ours: these times are compared by River's
	// scheduler and fetcher with the database's time.
	now := time.Now().UTC()
	state, at := rivertype.JobStateAvailable, now
	if crashed > 1 {
		state, at = rivertype.JobStateRetryable, now.Add(s.retry.Delay(crashed-1))
	}
	errData, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: max(j.Attempt, 0),
		Error: fmt.Sprintf("reclaimed after a crash (%d crashed attempts)", crashed)})
	if err != nil {
		return fmt.Errorf("encode rescue error: %w", err)
	}
	p.ID = append(p.ID, j.ID)
	p.Error = append(p.Error, errData)
	p.FinalizedAt = append(p.FinalizedAt, nil)
	p.ScheduledAt = append(p.ScheduledAt, at)
	p.State = append(p.State, string(state))
	return nil
}

// crashedAttempts counts the attempts of a job's delivery that started and
// never finished. A delivery already final counts none: its job only needs
// to run once more to complete.
func (s *Store) crashedAttempts(ctx context.Context, tx *sql.Tx, j *rivertype.JobRow) (int, error) {
	var args deliveryArgs
	if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
		return 0, nil // undecodable: the worker will fail it; rescue at once
	}
	var started, finished int
	var state string
	err := tx.QueryRowContext(ctx, s.q(`SELECT attempts_started, attempts_finished, state
		FROM deliveries WHERE id = ?`), args.DeliveryID).Scan(&started, &finished, &state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("read attempts of delivery %d: %w", args.DeliveryID, err)
	case state != string(StatePending):
		return 0, nil
	}
	return started - finished, nil
}
