package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The statements every delivery runs, prepared once when the store opens:
// preparing them anew for every call cost 17-23% of the gateway's CPU on
// SQLite (issue 12). database/sql keeps each prepared on the connection it
// first ran on and reuses it inside transactions on that connection.
const (
	sqlStartAttempt = `UPDATE deliveries
		SET attempts_started = attempts_started + 1, last_attempt_at = ?
		WHERE id = ? AND state = 'pending' AND job_id = ?
		RETURNING id, message_ref, caucus, envelope_from, recipients, spec, attempts_started,
			(SELECT message_id FROM messages WHERE messages.id = deliveries.message_ref)`
	sqlAttemptOwner = `SELECT attempts_started FROM deliveries WHERE id = ?`
	// A delivery cancelled while its attempt ran keeps "cancelled" unless
	// the relay accepted it: then "sent" is the truth. It changes nothing
	// when the attempt is no longer the latest, nor when a "sent" was
	// recorded already (a retry after a commit whose answer was lost).
	sqlRecordResult = `UPDATE deliveries SET state = CASE
			WHEN ? = 'sent' OR state = 'pending' THEN ? ELSE state END,
		attempts_finished = attempts_finished + 1, last_error = ?, sent_at = COALESCE(?, sent_at)
		WHERE id = ? AND attempts_started = ? AND NOT (? = 'sent' AND state = 'sent')`

	// Intake's, for every message and delivery it records. A message
	// whose UID has its record already inserts nothing and returns no row.
	sqlProcessedRef = `SELECT id FROM messages
		WHERE account = ? AND mailbox = ? AND uidvalidity = ? AND uid = ?`
	sqlInsertMessage = `INSERT INTO messages (account, mailbox, uidvalidity, uid,
		message_id, fingerprint, fallback_fingerprint, decision, caucuses, rules, reason, trace,
		subject, from_addr, received_at, duplicate_of, raw_size)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, mailbox, uidvalidity, uid) DO NOTHING RETURNING id`
	// SQLite's names the file of the message's bytes (rawdir.go).
	sqlInsertMessageSQLite = `INSERT INTO messages (account, mailbox, uidvalidity, uid,
		message_id, fingerprint, fallback_fingerprint, decision, caucuses, rules, reason, trace,
		subject, from_addr, received_at, duplicate_of, raw_size, raw_file)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, mailbox, uidvalidity, uid) DO NOTHING RETURNING id`
	sqlWriteRawChunk  = `INSERT INTO raw_chunks (message_ref, seq, data) VALUES (?, ?, ?)`
	sqlInsertDelivery = `INSERT INTO deliveries (message_ref, caucus, envelope_from,
		recipients, spec, state, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?) RETURNING id`
	// SQLite's; PostgreSQL's job insert does it (sqlInsertJobPostgres).
	sqlSetDeliveryJob = `UPDATE deliveries SET job_id = ? WHERE id = ?`
	sqlEpoch          = `SELECT last_uid, fingerprint_below FROM mailbox_epochs
		WHERE account = ? AND mailbox = ? AND uidvalidity = ?`
	sqlAdvanceEpoch = `UPDATE mailbox_epochs SET last_uid = ?
		WHERE account = ? AND mailbox = ? AND uidvalidity = ? AND last_uid < ?`

	// The loop guard's, for every message that comes in.
	// An invitation's record, written by intake beside its message's
	// (issue 14). Prepared once: on SQLite a statement is otherwise
	// compiled anew at every use (issue 12).
	sqlInsertInvitation = `INSERT INTO invitations (message_ref, inviter, subject, received_at,
		deadline, deadline_source, deadline_phrase, event, event_source, event_phrase, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

	// The loop guard's question for a fetched batch: which of these
	// Message-IDs had deliveries. One statement a batch, prepared once for
	// any number of them: SQLite reads them from a JSON array, PostgreSQL
	// from a text[] (issue 12; it was a statement, on PostgreSQL a round
	// trip, a message).
	sqlForwardedMessageIDsSQLite = `SELECT DISTINCT m.message_id FROM messages m
		JOIN deliveries d ON d.message_ref = m.id
		WHERE m.message_id IN (SELECT value FROM json_each(?))`
	sqlForwardedMessageIDsPostgres = `SELECT DISTINCT m.message_id FROM messages m
		JOIN deliveries d ON d.message_ref = m.id
		WHERE m.message_id = ANY($1::text[])`

	// A delivery's read of its message's bytes, when it has no copy in
	// memory (River's workers, retries).
	// Where a message's bytes are: purged, in a file (SQLite), or in
	// raw_chunks (PostgreSQL, and SQLite's messages older than its files).
	sqlRawSourceSQLite   = `SELECT raw_purged_at, raw_file FROM messages WHERE id = ?`
	sqlRawSourcePostgres = `SELECT raw_purged_at, NULL::text FROM messages WHERE id = $1`
	sqlReadRawChunk      = `SELECT data FROM raw_chunks WHERE message_ref = ? AND seq = ?`
)

// preparedStmts are the hot statements of one store.
type preparedStmts struct {
	startAttempt, attemptOwner, recordResult, claimJob, settleJob *sql.Stmt
	claimPostgres, recordSettledPostgres                          *sql.Stmt // PostgreSQL's alone

	processedRef, insertMessage, writeRawChunk, insertDelivery, insertInvitation, insertJob, setDeliveryJob *sql.Stmt
	insertDeliveriesWithJobs                                                                                *sql.Stmt
	epoch, advanceEpoch, forwardedMessageIDs                                                                *sql.Stmt

	rawSource, readRawChunk *sql.Stmt
}

// preparedStmt is one statement to prepare, written for each dialect.
type preparedStmt struct {
	into             **sql.Stmt
	sqlite, postgres string // "": not prepared for that dialect
}

// portable is a statement written once, with `?` placeholders, for both
// dialects.
func portable(into **sql.Stmt, query string) preparedStmt {
	return preparedStmt{into: into, sqlite: query, postgres: dialectPostgres.rebind(query)}
}

func (s *Store) preparedList() []preparedStmt {
	p := &s.stmts
	return []preparedStmt{
		portable(&p.startAttempt, sqlStartAttempt),
		portable(&p.attemptOwner, sqlAttemptOwner),
		portable(&p.recordResult, sqlRecordResult),
		{into: &p.claimJob, sqlite: sqlClaimJobSQLite},
		{into: &p.settleJob, sqlite: sqlSettleJobSQLite, postgres: sqlSettleJobPostgres},
		{into: &p.claimPostgres, postgres: sqlClaimPostgres},
		{into: &p.recordSettledPostgres, postgres: sqlRecordSettledPostgres()},
		portable(&p.processedRef, sqlProcessedRef),
		{into: &p.insertMessage, sqlite: sqlInsertMessageSQLite, postgres: dialectPostgres.rebind(sqlInsertMessage)},
		portable(&p.writeRawChunk, sqlWriteRawChunk),
		portable(&p.insertDelivery, sqlInsertDelivery),
		portable(&p.insertInvitation, sqlInsertInvitation),
		{into: &p.insertJob, sqlite: sqlInsertJobSQLite, postgres: sqlInsertJobPostgres},
		{into: &p.insertDeliveriesWithJobs, postgres: sqlInsertDeliveriesWithJobsPostgres},
		{into: &p.setDeliveryJob, sqlite: sqlSetDeliveryJob},
		portable(&p.epoch, sqlEpoch),
		portable(&p.advanceEpoch, sqlAdvanceEpoch),
		{into: &p.forwardedMessageIDs, sqlite: sqlForwardedMessageIDsSQLite, postgres: sqlForwardedMessageIDsPostgres},
		{into: &p.rawSource, sqlite: sqlRawSourceSQLite, postgres: sqlRawSourcePostgres},
		portable(&p.readRawChunk, sqlReadRawChunk),
	}
}

func (s *Store) prepare(ctx context.Context) error {
	for _, st := range s.preparedList() {
		query := st.sqlite
		if s.dialect == dialectPostgres {
			query = st.postgres
		}
		if query == "" {
			continue
		}
		var err error
		if *st.into, err = s.db.PrepareContext(ctx, query); err != nil {
			return errors.Join(fmt.Errorf("prepare statement: %w", err), s.closeStmts())
		}
	}
	return nil
}

func (s *Store) closeStmts() error {
	var errs []error
	for _, st := range s.preparedList() {
		if *st.into != nil {
			errs = append(errs, (*st.into).Close())
		}
	}
	return errors.Join(errs...)
}

// stmt is st for use in tx, or on its own when tx is nil.
func stmt(ctx context.Context, tx *sql.Tx, st *sql.Stmt) *sql.Stmt {
	if tx == nil {
		return st
	}
	return tx.StmtContext(ctx, st)
}
