package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
)

// sqlClaimPostgres is claimTx in one statement on PostgreSQL, where each
// statement is a round trip (issue 12): the job's claim (SQLite's
// sqlClaimJobSQLite) and the attempt's start (sqlStartAttempt), the
// second joined to what the first returns. All of a statement's parts see
// the same snapshot; the delivery is not one the job's update writes.
// No row: the job was not claimed. A row without a delivery: the job was
// claimed, but the delivery is no longer pending under it (errNotClaimed).
// Parameters: attempted_at (River's clock), this instance, the job kind,
// the delivery, last_attempt_at (ours).
const sqlClaimPostgres = `WITH job AS (
		UPDATE river_job SET state = 'running', attempt = attempt + 1,
			attempted_at = $1, attempted_by = ARRAY[$2::text]
		WHERE state = 'available' AND kind = $3 AND id = (SELECT job_id FROM deliveries
			WHERE id = $4 AND state = 'pending' AND attempts_started = 0)
		RETURNING id, attempt, max_attempts),
	attempt AS (
		UPDATE deliveries SET attempts_started = attempts_started + 1, last_attempt_at = $5
		WHERE id = $4 AND state = 'pending' AND job_id = (SELECT id FROM job)
		RETURNING id, message_ref, caucus, envelope_from, recipients, spec, attempts_started,
			(SELECT message_id FROM messages WHERE messages.id = deliveries.message_ref) AS message_id)
	SELECT job.id, job.attempt, job.max_attempts,
		attempt.id, attempt.message_ref, attempt.caucus, attempt.envelope_from, attempt.recipients,
		attempt.spec, attempt.attempts_started, attempt.message_id
	FROM job LEFT JOIN attempt ON true`

// claimPostgresTx is claimTx on PostgreSQL, in one round trip.
func (s *Store) claimPostgresTx(ctx context.Context, tx *sql.Tx, id int64) (Delivery, *river.Job[deliveryArgs], error) {
	row := s.claimedJobRow()
	var (
		delivery, ref, attempt sql.NullInt64
		caucus, from, rcpts    sql.NullString
		spec, messageID        sql.NullString
	)
	err := stmt(ctx, tx, s.stmts.claimPostgres).QueryRowContext(ctx,
		s.riverTime(*row.AttemptedAt), s.instanceID, deliveryKind, id, s.micros(s.now())).
		Scan(&row.ID, &row.Attempt, &row.MaxAttempts,
			&delivery, &ref, &caucus, &from, &rcpts, &spec, &attempt, &messageID)
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, nil, nil
	}
	if err != nil {
		return Delivery{}, nil, fmt.Errorf("claim job: %w", err)
	}
	if !delivery.Valid {
		return Delivery{}, nil, errNotClaimed
	}
	d := Delivery{ID: delivery.Int64, MessageRef: ref.Int64, Caucus: caucus.String,
		EnvelopeFrom: from.String, Attempt: int(attempt.Int64), MessageID: messageID.String}
	if err := decodeAttempt(&d, rcpts.String, spec.String); err != nil {
		return d, nil, err
	}
	return d, &river.Job[deliveryArgs]{JobRow: row, Args: deliveryArgs{DeliveryID: id}}, nil
}
