package queue

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// On PostgreSQL, where every statement is a round trip, an intake's
// deliveries and their jobs are written by one statement for the whole
// batch, not two a delivery (issue 12). Each row takes its delivery's id
// and its job's from their sequences first, so that the delivery names
// its job and the job's args name the delivery in the same statement, and
// the ids come back in the order the deliveries were given. The job's row
// is the one insertJobTx writes (jobinsert.go): jobInsertOf fills it, and
// only the delivery id in its args is filled in by the statement. SQLite,
// where a prepared statement costs no round trip and a data-modifying WITH
// does not exist, keeps its statements a delivery.
const sqlInsertDeliveriesWithJobsPostgres = `WITH input AS (
	SELECT nextval(pg_get_serial_sequence('deliveries', 'id')) AS delivery_id,
		nextval(pg_get_serial_sequence('river_job', 'id')) AS job_id, t.*
	FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
		$6::smallint[], $7::timestamptz[], $8::text[]) WITH ORDINALITY
		AS t(message_ref, caucus, envelope_from, recipients, spec, max_attempts, scheduled_at, state, n)),
delivery AS (
	INSERT INTO deliveries (id, message_ref, caucus, envelope_from, recipients, spec, state, created_at, job_id)
	SELECT delivery_id, message_ref, caucus, envelope_from, recipients, spec, 'pending', $9::bigint, job_id
	FROM input),
job AS (
	INSERT INTO river_job (id, args, created_at, kind, max_attempts, metadata,
		priority, queue, scheduled_at, state, tags, unique_key, unique_states)
	SELECT job_id, jsonb_build_object('delivery_id', delivery_id), $10::timestamptz, $11::text, max_attempts,
		$12::jsonb, $13::smallint, $14::text, scheduled_at, state::river_job_state,
		'{}'::varchar(255)[], NULL, NULL
	FROM input)
SELECT delivery_id FROM input ORDER BY n`

// newDeliveryRow is one delivery of an intake batch, with its message.
type newDeliveryRow struct {
	messageRef int64
	NewDelivery
}

// deliveryColumns are the statement's arrays, one element a delivery.
type deliveryColumns struct {
	refs                                       []int64
	caucuses, froms, recipients, specs, states []string
	maxAttempts                                []int16
	scheduledAt                                []time.Time
}

// insertDeliveriesWithJobsPostgres writes rows' deliveries and their
// jobs, the due ones reserved until reservedUntil for the hand-off (zero:
// not reserved), and returns the deliveries' ids in rows' order.
func (s *Store) insertDeliveriesWithJobsPostgres(ctx context.Context, tx *sql.Tx, rows []newDeliveryRow, reservedUntil time.Time) ([]int64, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	now := time.Now() // River's clock, as insertJobTx's created_at
	cols, err := s.deliveryColumnsOf(rows, reservedUntil, now)
	if err != nil {
		return nil, err
	}
	res, err := stmt(ctx, tx, s.stmts.insertDeliveriesWithJobs).QueryContext(ctx,
		cols.refs, cols.caucuses, cols.froms, cols.recipients, cols.specs,
		cols.maxAttempts, cols.scheduledAt, cols.states, s.micros(s.now()),
		s.riverTime(now), deliveryKind, riverMetadataDefault, riverPriorityDefault, river.QueueDefault)
	if err != nil {
		return nil, fmt.Errorf("insert %d deliveries and their jobs: %w", len(rows), err)
	}
	defer res.Close()
	ids := make([]int64, 0, len(rows))
	for res.Next() {
		var id int64
		if err := res.Scan(&id); err != nil {
			return nil, fmt.Errorf("insert %d deliveries and their jobs: %w", len(rows), err)
		}
		ids = append(ids, id)
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("insert %d deliveries and their jobs: %w", len(rows), err)
	}
	if len(ids) != len(rows) {
		return nil, fmt.Errorf("insert %d deliveries and their jobs: %d ids came back", len(rows), len(ids))
	}
	return ids, nil
}

// deliveryColumnsOf fills the statement's arrays; each job's row is the
// one jobInsertOf describes for the delivery's job.
func (s *Store) deliveryColumnsOf(rows []newDeliveryRow, reservedUntil, now time.Time) (deliveryColumns, error) {
	var c deliveryColumns
	for _, r := range rows {
		j, err := s.jobInsertOf(s.deliveryJob(0, r.NotBefore))
		if err != nil {
			return deliveryColumns{}, err
		}
		j.reservedUntil = reservedUntil
		scheduled := j.scheduledAtColumn()
		if scheduled.IsZero() {
			scheduled = now
		}
		rcpts, spec := r.columns()
		c.refs = append(c.refs, r.messageRef)
		c.caucuses = append(c.caucuses, r.Caucus)
		c.froms = append(c.froms, r.EnvelopeFrom)
		c.recipients = append(c.recipients, rcpts)
		c.specs = append(c.specs, spec)
		c.maxAttempts = append(c.maxAttempts, int16(j.maxAttempts))
		c.scheduledAt = append(c.scheduledAt, riverTimePostgres(scheduled))
		c.states = append(c.states, string(j.state()))
	}
	return c, nil
}
