package queue

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// A delivery job is inserted by our own statement, prepared once, rather
// than by River's InsertManyTx, whose JobInsertFastMany query is rendered
// through its template replacer and prepared anew every call (17% of a
// handed-off delivery's CPU on SQLite, issue 12). The statements write the
// row River v0.51.2's JobInsertFastMany writes for deliveryJob's params:
// kind, args, max_attempts, the default priority and queue, no tags, no
// unique key or states (delivery jobs are not unique), state "scheduled"
// when a time is given (even a past one: River's scheduler makes it
// available) and "available" at the insert's time otherwise, and
// created_at the insert's time: SQLite's datetime('now', 'subsec') there,
// Go's clock sent as River's driver sends it on PostgreSQL. On SQLite,
// River also marks the metadata with a random nonce (how riversqlite tells
// an inserted row from a unique conflict's), and so do we; on PostgreSQL
// it does not (it reads xmax or OLD instead).
//
// What River's insert does beyond the row, and we do not: it runs insert
// hooks and middleware (newClient configures none), and, for available
// jobs, notifies the queue's listeners (pg_notify on PostgreSQL, a
// river_notification row on SQLite). Both stores run River with PollOnly:
// no listener reads them, its fetcher polls.
const (
	sqlInsertJobSQLite = `INSERT INTO river_job (args, created_at, kind, max_attempts, metadata,
		priority, queue, scheduled_at, state, tags, unique_key, unique_states)
		VALUES (jsonb(?), datetime('now', 'subsec'), ?, ?, jsonb(?),
		?, ?, coalesce(?, datetime('now', 'subsec')), ?, jsonb('[]'), NULL, NULL)
		RETURNING id`
	// On PostgreSQL the same statement records the job on its delivery
	// ($10), which SQLite does with sqlSetDeliveryJob: one round trip a
	// delivery fewer (issue 12). A data-modifying WITH runs to completion
	// whether or not the query reads it, and sees the delivery the
	// transaction inserted before.
	sqlInsertJobPostgres = `WITH job AS (
		INSERT INTO river_job (args, created_at, kind, max_attempts, metadata,
		priority, queue, scheduled_at, state, tags, unique_key, unique_states)
		VALUES ($1::jsonb, $2::timestamptz, $3::text, $4::smallint, $5::jsonb,
		$6::smallint, $7::text, coalesce($8::timestamptz, $2::timestamptz), $9::text::river_job_state,
		'{}'::varchar(255)[], NULL, NULL)
		RETURNING id),
	delivery AS (UPDATE deliveries SET job_id = (SELECT id FROM job) WHERE id = $10::bigint)
	SELECT id FROM job`

	// River's defaults for what deliveryJob leaves unset.
	riverPriorityDefault = 1
	riverMetadataDefault = `{}`
	// riversqlite's metadata key for its insert nonce
	// (riverdriver.UniqueInsertMetadataKey).
	riverUniqueNonceKey = "river:unique_nonce"
)

// jobInsert is one delivery job's row, as River would fill it.
type jobInsert struct {
	deliveryID  int64
	args        []byte
	maxAttempts int
	scheduledAt time.Time // zero: available now
	// reservedUntil, for a job available now, is the scheduled_at it is
	// written with: River's fetcher leaves it to the hand-off until then
	// (handoffReservation). Zero: not reserved.
	reservedUntil time.Time
}

// scheduledAtColumn is the time written in scheduled_at: River's insert
// writes now (riverTime of zero) for a job available at once.
func (j jobInsert) scheduledAtColumn() time.Time {
	if j.scheduledAt.IsZero() {
		return j.reservedUntil
	}
	return j.scheduledAt
}

func (j jobInsert) state() rivertype.JobState {
	if j.scheduledAt.IsZero() {
		return rivertype.JobStateAvailable
	}
	return rivertype.JobStateScheduled
}

// jobInsertOf reads the row deliveryJob's params describe. Params that
// ask for more than our statement writes (another priority, queue, tags,
// metadata, uniqueness, a pending state) are refused: they would need
// River's insert.
func (s *Store) jobInsertOf(p river.InsertManyParams) (jobInsert, error) {
	args, ok := p.Args.(deliveryArgs)
	if !ok {
		return jobInsert{}, fmt.Errorf("insert job: %s args, not a delivery's", p.Args.Kind())
	}
	opts := river.InsertOpts{}
	if p.InsertOpts != nil {
		opts = *p.InsertOpts
	}
	if opts.Priority != 0 || (opts.Queue != "" && opts.Queue != river.QueueDefault) || opts.Tags != nil ||
		len(opts.Metadata) != 0 || opts.Pending || isUnique(opts.UniqueOpts) {
		return jobInsert{}, fmt.Errorf("insert job of delivery %d: options River's insert would need", args.DeliveryID)
	}
	encoded, err := json.Marshal(args)
	if err != nil {
		return jobInsert{}, fmt.Errorf("encode args of delivery %d: %w", args.DeliveryID, err)
	}
	return jobInsert{
		deliveryID:  args.DeliveryID,
		args:        encoded,
		maxAttempts: cmp.Or(opts.MaxAttempts, s.retry.MaxAttempts()), // River's config.MaxAttempts
		scheduledAt: opts.ScheduledAt,
	}, nil
}

func isUnique(u river.UniqueOpts) bool {
	return u.ByArgs || u.ByPeriod != 0 || u.ByQueue || u.ByState != nil || u.ExcludeKind
}

// insertJobTx inserts one delivery job in tx and records it on its
// delivery: the delivery's current job, the only one allowed to attempt
// it (see startAttempt). It returns the job's id.
func (s *Store) insertJobTx(ctx context.Context, tx *sql.Tx, j jobInsert) (int64, error) {
	st := stmt(ctx, tx, s.stmts.insertJob)
	var id int64
	var err error
	if s.dialect == dialectSQLite {
		err = st.QueryRowContext(ctx, string(j.args), deliveryKind, j.maxAttempts, sqliteJobMetadata(),
			riverPriorityDefault, river.QueueDefault, s.riverTime(j.scheduledAtColumn()), string(j.state())).Scan(&id)
		if err == nil {
			_, err = stmt(ctx, tx, s.stmts.setDeliveryJob).ExecContext(ctx, id, j.deliveryID)
		}
	} else {
		err = st.QueryRowContext(ctx, string(j.args), s.riverTime(time.Now()), deliveryKind, j.maxAttempts,
			riverMetadataDefault, riverPriorityDefault, river.QueueDefault, s.riverTime(j.scheduledAtColumn()),
			string(j.state()), j.deliveryID).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("insert job of delivery %d: %w", j.deliveryID, err)
	}
	return id, nil
}

// sqliteJobMetadata is the metadata riversqlite gives a job it inserts:
// empty but for a fresh nonce of 8 random bytes.
func sqliteJobMetadata() string {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:]) // crypto/rand's Read does not fail
	return `{"` + riverUniqueNonceKey + `":"` + hex.EncodeToString(nonce[:]) + `"}`
}
