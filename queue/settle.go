package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// A handed-off job is settled by our own statement, in the transaction
// that records its attempt's result, rather than by River's
// JobSetStateIfRunningMany in one more transaction of its own (one fsync,
// and statements River prepares anew each call: 7.6% of the gateway's CPU
// in issue 12's profile). The statements do what River v0.51.2's do for
// the states a delivery job ends an attempt in (completed, cancelled,
// discarded, retryable): set the state, finalized_at or scheduled_at,
// append the attempt's error, and only to a job still running, so that a
// reclaim that replaced the job wins. As River's, they turn a retry into a
// cancellation when the job was cancelled while it ran (JobCancel marks a
// running job's metadata with cancel_attempted_at). Parameters: 1 error
// (JSON, or NULL for none), 2 state, 3 finalized_at, 4 scheduled_at (NULL:
// unchanged), 5 now, 6 job id.
const (
	sqlSettleJobSQLite = `UPDATE river_job SET
		errors = CASE WHEN ?1 IS NULL THEN errors
			WHEN typeof(errors) = 'text' AND NOT json_valid(errors) THEN jsonb(json_array(errors, json(?1)))
			WHEN coalesce(json_type(errors), 'array') <> 'array' THEN jsonb(json_array(json(errors), json(?1)))
			ELSE jsonb(json_insert(json(coalesce(errors, jsonb('[]'))), '$[#]', json(?1))) END,
		finalized_at = CASE WHEN ?2 = 'retryable' AND ` + sqliteCancelAttempted + ` THEN ?5
			ELSE coalesce(?3, finalized_at) END,
		scheduled_at = CASE WHEN ?2 = 'retryable' AND ` + sqliteCancelAttempted + ` THEN scheduled_at
			ELSE coalesce(?4, scheduled_at) END,
		state = CASE WHEN ?2 = 'retryable' AND ` + sqliteCancelAttempted + ` THEN 'cancelled' ELSE ?2 END
		WHERE id = ?6 AND state = 'running'`
	sqliteCancelAttempted = `(CASE WHEN typeof(metadata) <> 'text' OR json_valid(metadata)
		THEN metadata -> 'cancel_attempted_at' END) IS NOT NULL`

	sqlSettleJobPostgres = `UPDATE river_job SET
		errors = CASE WHEN $1::jsonb IS NULL THEN errors ELSE array_append(errors, $1::jsonb) END,
		finalized_at = CASE WHEN $2::text = 'retryable' AND ` + postgresCancelAttempted + ` THEN $5::timestamptz
			ELSE coalesce($3::timestamptz, finalized_at) END,
		scheduled_at = CASE WHEN $2::text = 'retryable' AND ` + postgresCancelAttempted + ` THEN scheduled_at
			ELSE coalesce($4::timestamptz, scheduled_at) END,
		state = CASE WHEN $2::text = 'retryable' AND ` + postgresCancelAttempted + ` THEN 'cancelled'::river_job_state
			ELSE $2::text::river_job_state END
		WHERE id = $6 AND state = 'running'`
	// River's "metadata ? 'cancel_attempted_at'", without the question
	// mark our rebinding would take for a placeholder.
	postgresCancelAttempted = `metadata -> 'cancel_attempted_at' IS NOT NULL`
)

// jobSettlement is what River's executor records for a job whose worker
// returned.
type jobSettlement struct {
	jobID       int64
	state       rivertype.JobState
	finalizedAt time.Time // zero: unchanged
	scheduledAt time.Time // zero: unchanged
	errData     []byte    // appended to the job's errors; nil: none
}

// settlementOf is the settlement River would make of job after its worker
// returned verdict (finishAttempt's answer): completed, cancelled,
// discarded once out of attempts, or retryable at retryAt.
func settlementOf(job *river.Job[deliveryArgs], verdict error, retryAt time.Time) jobSettlement {
	now := time.Now().UTC() // River's clock, as in reclaim
	st := jobSettlement{jobID: job.ID, finalizedAt: now}
	var cancel *rivertype.JobCancelError
	switch {
	case verdict == nil:
		st.state = rivertype.JobStateCompleted
		return st
	case errors.As(verdict, &cancel):
		st.state = rivertype.JobStateCancelled
	case job.Attempt >= job.MaxAttempts:
		st.state = rivertype.JobStateDiscarded
	default:
		st.state, st.finalizedAt, st.scheduledAt = rivertype.JobStateRetryable, time.Time{}, retryAt.UTC()
	}
	st.errData = attemptError(job, verdict, now)
	return st
}

// settleTx settles a job in tx (or on its own when tx is nil). A job no
// longer running is left as it is.
func (s *Store) settleTx(ctx context.Context, tx *sql.Tx, st jobSettlement) error {
	_, err := stmt(ctx, tx, s.stmts.settleJob).ExecContext(ctx, s.settleArgs(st)...)
	if err != nil {
		return fmt.Errorf("settle job %d: %w", st.jobID, err)
	}
	return nil
}

// settleArgs are the settling statements' parameters for st.
func (s *Store) settleArgs(st jobSettlement) []any {
	var errData sql.NullString
	if st.errData != nil {
		errData = sql.NullString{String: string(st.errData), Valid: true}
	}
	return []any{errData, string(st.state), s.riverTime(st.finalizedAt), s.riverTime(st.scheduledAt),
		s.riverTime(time.Now()), st.jobID}
}

func attemptError(job *river.Job[deliveryArgs], err error, at time.Time) []byte {
	b, _ := json.Marshal(rivertype.AttemptError{At: at, Attempt: job.Attempt, Error: err.Error()})
	return b
}
