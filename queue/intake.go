package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/riverqueue/river"
)

// Incoming is one fetched message with the decision taken on it.
type Incoming struct {
	UID uint32
	// MessageID, Fingerprint and FallbackFingerprint are computed by the
	// caller; FallbackFingerprint may be empty.
	MessageID, Fingerprint, FallbackFingerprint string
	Raw                                         []byte
	// RawFile, when set, is a file with no name holding exactly Raw, on
	// the filesystem of SpoolDir (a literal the IMAP fetch spooled): a
	// SQLite store that gives Raw a file links this one rather than write
	// the bytes again. The store neither closes nor changes it.
	RawFile *os.File
	// Decision is forward, hold, reject, discard, reply or none; opaque
	// here, stored for listings.
	Decision   string
	Caucuses   []string
	Rules      []string
	Reason     string
	Trace      json.RawMessage // stored as is; nil is stored as null
	Subject    string
	From       string
	Deliveries []NewDelivery
	// Hold, when set, puts the message in the held set for moderation.
	Hold *HoldRequest
	// Pending are items to relay at a slot of a schedule (a reply to an
	// invitation, a scheduled forward).
	Pending []NewPending
	// Supersedes are pending replies this one takes the place of (the
	// list's copy of the same answer): dropped if still unbatched.
	Supersedes []int64
	// Bounces are the failed recipients a delivery report names.
	Bounces []Bounce
	// RelayThread, when set, records a relay of mail coming back about
	// that forward, for the circuit breaker (see CountRelays).
	RelayThread string
	// Invitation, when set, tracks the message as an invitation (issue 14).
	Invitation *NewInvitation
}

// NewDelivery is one SMTP transaction to make for a message.
type NewDelivery struct {
	Caucus       string
	EnvelopeFrom string
	Recipients   []string
	Spec         json.RawMessage // opaque to queue: how the gateway composes the copy
	// NotBefore, when set, holds the first attempt until then: a forward
	// on a schedule waits for its slot, durably, and is due at once after
	// a downtime that passed it.
	NotBefore time.Time
}

// Outcome says what Intake did with one Incoming, in the same order.
type Outcome struct {
	UID        uint32
	MessageRef int64 // the processed record (for a duplicate: the existing one, or the new duplicate record)
	Duplicate  bool
	// DuplicateOf is the message of an earlier UIDVALIDITY this one was
	// recognised as (by fingerprint), 0 otherwise.
	DuplicateOf int64
	DeliveryIDs []int64
	HeldID      int64   // the hold recorded, 0 if none
	PendingIDs  []int64 // the pending items recorded
}

// Intake records a batch of messages of one mailbox epoch in ONE
// transaction (one fsync for the batch): for each message not processed
// before, its record, raw bytes, deliveries and their jobs; and the
// epoch's watermark. If anything fails, nothing is recorded; a failure on
// one message's records is a *MessageError naming it, and Classify says
// whether offering that message again can succeed.
//
// On SQLite the raw bytes go to files beside the database, written and
// synced (with their directory, once for the batch) before the
// transaction that names them begins; the files of a transaction that
// does not commit, and of duplicates, are removed (rawstage.go).
func (s *Store) Intake(ctx context.Context, key MailboxKey, uidValidity uint32, msgs []Incoming) ([]Outcome, error) {
	staged, err := s.stageRaw(msgs)
	if err != nil {
		return nil, fmt.Errorf("intake %d messages of %s/%s: %w", len(msgs), key.Account, key.Mailbox, err)
	}
	var out []Outcome
	var committing bool
	intake := func(tx *sql.Tx, batch *rawBatch) error {
		var err error
		if out, err = s.intakeTx(ctx, tx, key, uidValidity, msgs, staged, batch); err == nil {
			err = batch.write(ctx)
		}
		committing = err == nil
		return err
	}
	if s.dialect == dialectPostgres {
		err = s.inConnTx(ctx, func(conn *sql.Conn, tx *sql.Tx) error { return intake(tx, &rawBatch{conn: conn}) })
	} else {
		err = s.inTx(ctx, func(tx *sql.Tx) error { return intake(tx, nil) })
	}
	if err != nil {
		staged.abandon(committing)
		return nil, fmt.Errorf("intake %d messages of %s/%s: %w", len(msgs), key.Account, key.Mailbox, err)
	}
	staged.keepReferenced(out)
	return out, nil
}

// CheckLease returns ErrLeaseLost when the lease ctx carries (WithLease)
// is no longer held as it was acquired, and nil without a lease: what a
// writer checks before retrying a write that met another writer's key.
func (s *Store) CheckLease(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return s.fenceTx(ctx, tx) })
}

func (s *Store) intakeTx(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity uint32, msgs []Incoming, staged *stagedRaw, batch *rawBatch) ([]Outcome, error) {
	if err := s.fenceTx(ctx, tx); err != nil {
		return nil, err
	}
	epoch, err := s.epochTx(ctx, tx, key, uidValidity)
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, len(msgs))
	var maxUID uint32
	for i, m := range msgs {
		maxUID = max(maxUID, m.UID)
		o, err := s.intakeOne(ctx, tx, key, epoch, m.storable(), staged.name(i), batch)
		if err != nil {
			return nil, &MessageError{Index: i, UID: m.UID, Err: err}
		}
		out[i] = o
	}
	if err := s.intakeDeliveriesTx(ctx, tx, msgs, out); err != nil {
		return nil, err
	}
	return out, s.advanceEpochTx(ctx, tx, key, uidValidity, maxUID)
}

// intakeDeliveriesTx records the deliveries of the batch's new messages
// and their jobs, the due ones reserved for the hand-off, and gives each
// outcome its deliveries' ids. On PostgreSQL one statement writes them
// all (deliverybatchpg.go); on SQLite a statement a delivery and one a
// job, prepared once.
func (s *Store) intakeDeliveriesTx(ctx context.Context, tx *sql.Tx, msgs []Incoming, out []Outcome) error {
	reservedUntil := s.handoffReservation()
	if s.dialect == dialectPostgres {
		return s.intakeDeliveriesPostgres(ctx, tx, msgs, out, reservedUntil)
	}
	var jobs []river.InsertManyParams
	for i, m := range msgs {
		if out[i].Duplicate {
			continue
		}
		ids, err := s.insertDeliveries(ctx, tx, out[i].MessageRef, m.Deliveries)
		if err != nil {
			return &MessageError{Index: i, UID: m.UID, Err: err}
		}
		out[i].DeliveryIDs = ids
		jobs = append(jobs, s.deliveryJobs(ids, m.Deliveries)...)
	}
	return s.insertJobsReservedTx(ctx, tx, jobs, reservedUntil)
}

// intakeDeliveriesPostgres is intakeDeliveriesTx's one statement.
func (s *Store) intakeDeliveriesPostgres(ctx context.Context, tx *sql.Tx, msgs []Incoming, out []Outcome, reservedUntil time.Time) error {
	var rows []newDeliveryRow
	for i, m := range msgs {
		if out[i].Duplicate {
			continue
		}
		for _, d := range m.Deliveries {
			rows = append(rows, newDeliveryRow{messageRef: out[i].MessageRef, NewDelivery: d})
		}
	}
	ids, err := s.insertDeliveriesWithJobsPostgres(ctx, tx, rows, reservedUntil)
	if err != nil {
		return err
	}
	for i, m := range msgs {
		if !out[i].Duplicate {
			n := len(m.Deliveries)
			out[i].DeliveryIDs, ids = append(make([]int64, 0, n), ids[:n]...), ids[n:]
		}
	}
	return nil
}

// intakeOne records one message; rawFile, when set, holds its bytes
// already, and its record names it unless it is a duplicate. batch, when
// set, takes its bytes for the intake's COPY.
func (s *Store) intakeOne(ctx context.Context, tx *sql.Tx, key MailboxKey, epoch Epoch, m Incoming, rawFile string, batch *rawBatch) (Outcome, error) {
	o := Outcome{UID: m.UID}
	var err error
	if m.UID < epoch.FingerprintBelow {
		err = s.recordAfterReset(ctx, tx, key, epoch.UIDValidity, m, rawFile, &o)
	} else {
		err = s.recordNew(ctx, tx, key, epoch.UIDValidity, m, rawFile, &o)
	}
	if err != nil || o.Duplicate {
		return o, err
	}
	if err := s.writeRawTx(ctx, tx, o.MessageRef, m.Raw, rawFile, batch); err != nil {
		return o, err
	}
	return o, s.intakeFollowUpsTx(ctx, tx, m, &o)
}

// recordNew records a message at a UID no reset can have shown before. A
// record the UID has already (an intake repeated because its
// acknowledgement was lost) makes it a duplicate: the insert that finds
// it is the only statement, where asking first was a second one for
// every message (issue 12).
func (s *Store) recordNew(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity uint32, m Incoming, rawFile string, o *Outcome) error {
	ref, err := s.insertMessage(ctx, tx, key, uidValidity, m, 0, rawFile)
	if err != nil || ref != 0 {
		o.MessageRef = ref
		return err
	}
	o.MessageRef, err = s.processedRef(ctx, tx, key, uidValidity, m.UID)
	o.Duplicate = true
	return err
}

// recordAfterReset records a message at a UID below the epoch's
// fingerprint_below: after a UIDVALIDITY reset, it may be one processed
// under the earlier UIDVALIDITY, found by its fingerprint. Its record then
// points at the first one and keeps no bytes (keepReferenced).
func (s *Store) recordAfterReset(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity uint32, m Incoming, rawFile string, o *Outcome) error {
	existing, err := s.processedRef(ctx, tx, key, uidValidity, m.UID)
	if err != nil || existing != 0 {
		o.MessageRef, o.Duplicate = existing, existing != 0
		return err
	}
	if o.DuplicateOf, err = s.earlierFingerprint(ctx, tx, key, uidValidity, m); err != nil {
		return err
	}
	if o.DuplicateOf != 0 {
		rawFile = ""
	}
	if o.MessageRef, err = s.insertMessage(ctx, tx, key, uidValidity, m, o.DuplicateOf, rawFile); err != nil {
		return err
	}
	if o.MessageRef == 0 {
		return fmt.Errorf("insert message: UID %d recorded concurrently", m.UID)
	}
	o.Duplicate = o.DuplicateOf != 0
	return nil
}

// intakeFollowUpsTx records what a new message leads to besides its
// deliveries: a hold, pending items, bounces, a relay. A duplicate leads
// to none of them, as it leads to no deliveries.
func (s *Store) intakeFollowUpsTx(ctx context.Context, tx *sql.Tx, m Incoming, o *Outcome) error {
	var err error
	if m.Hold != nil {
		if o.HeldID, err = s.holdTx(ctx, tx, o.MessageRef, *m.Hold); err != nil {
			return err
		}
	}
	if o.PendingIDs, err = s.addPendingTx(ctx, tx, o.MessageRef, m.Pending); err != nil {
		return err
	}
	if err := s.supersedeTx(ctx, tx, m.Supersedes); err != nil {
		return err
	}
	for _, b := range m.Bounces {
		if err := s.recordBounceTx(ctx, tx, b); err != nil {
			return err
		}
	}
	if m.Invitation != nil {
		if err := s.recordInvitationTx(ctx, tx, o.MessageRef, *m.Invitation); err != nil {
			return err
		}
	}
	if m.RelayThread != "" {
		if err := s.recordRelay(ctx, tx, m.RelayThread, s.now()); err != nil {
			return fmt.Errorf("record relay: %w", err)
		}
	}
	return nil
}

// processedRef returns the record of (key, uidvalidity, uid), 0 if none.
func (s *Store) processedRef(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity, uid uint32) (int64, error) {
	var id int64
	err := stmt(ctx, tx, s.stmts.processedRef).QueryRowContext(ctx,
		key.Account, key.Mailbox, int64(uidValidity), int64(uid)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look up processed message: %w", err)
	}
	return id, nil
}

// earlierFingerprint finds a message processed under another UIDVALIDITY
// of the same mailbox with the same fingerprint (or fallback). Only
// original records count, so a chain of resets points at the first one.
func (s *Store) earlierFingerprint(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity uint32, m Incoming) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT id FROM messages
		WHERE account = ? AND mailbox = ? AND uidvalidity <> ? AND duplicate_of IS NULL
		AND (fingerprint = ? OR (? <> '' AND fallback_fingerprint = ?))
		ORDER BY id LIMIT 1`),
		key.Account, key.Mailbox, int64(uidValidity), m.Fingerprint,
		m.FallbackFingerprint, m.FallbackFingerprint).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look up fingerprint: %w", err)
	}
	return id, nil
}

func (s *Store) insertMessage(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity uint32, m Incoming, dupOf int64, rawFile string) (int64, error) {
	caucuses, _ := json.Marshal(nonNil(m.Caucuses))
	rules, _ := json.Marshal(nonNil(m.Rules))
	trace := string(m.Trace)
	if trace == "" {
		trace = "null"
	}
	args := []any{key.Account, key.Mailbox, int64(uidValidity), int64(m.UID), m.MessageID, m.Fingerprint,
		m.FallbackFingerprint, m.Decision, string(caucuses), string(rules), m.Reason, trace,
		m.Subject, m.From, s.micros(s.now()), nullInt(dupOf), int64(len(m.Raw))}
	if s.raw != nil {
		args = append(args, sql.NullString{String: rawFile, Valid: rawFile != ""})
	}
	var id int64
	err := stmt(ctx, tx, s.stmts.insertMessage).QueryRowContext(ctx, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil // the UID has its record already
	}
	if err != nil {
		return 0, fmt.Errorf("insert message: %w", err)
	}
	return id, nil
}

func (s *Store) insertDeliveries(ctx context.Context, tx *sql.Tx, ref int64, ds []NewDelivery) ([]int64, error) {
	ids := make([]int64, 0, len(ds))
	for _, d := range ds {
		rcpts, spec := d.columns()
		var id int64
		err := stmt(ctx, tx, s.stmts.insertDelivery).QueryRowContext(ctx,
			ref, d.Caucus, d.EnvelopeFrom, rcpts, spec, s.micros(s.now())).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert delivery: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// columns are the delivery's recipients and spec as their columns hold
// them: JSON text, the spec "null" when there is none.
func (d NewDelivery) columns() (recipients, spec string) {
	rcpts, _ := json.Marshal(nonNil(d.Recipients)) // a []string always encodes
	spec = string(d.Spec)
	if spec == "" {
		spec = "null"
	}
	return string(rcpts), spec
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }
