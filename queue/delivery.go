package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"time"

	"github.com/riverqueue/river"
)

// deliveryKind is the River job kind of a delivery.
const deliveryKind = "delivery"

// deliveryArgs are a delivery job's arguments: only the row id, so that
// the recipients and bytes stay in our tables (River's JSON args are not
// a blob store, and its rows are cleaned after a week).
type deliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

func (deliveryArgs) Kind() string { return deliveryKind }

// Delivery is one SMTP transaction handed to a Deliverer.
type Delivery struct {
	ID, MessageRef int64
	MessageID      string // the message's Message-ID, for logs
	Caucus         string
	EnvelopeFrom   string
	Recipients     []string
	Spec           json.RawMessage
	// Attempt counts from 1, crashed attempts included.
	Attempt int
}

// Deliverer makes a delivery: it is the gateway's SMTP relay. raw streams
// the original message from the store. A nil error means the relay
// accepted the message; an error wrapped by Permanent is final; any other
// error is retried, after RetryAfter() if the error has that method.
type Deliverer interface {
	Deliver(ctx context.Context, d Delivery, raw io.Reader) error
}

// DeliveryState is the state of a delivery row.
type DeliveryState string

// Delivery states. Pending is the only one that is not final.
const (
	StatePending   DeliveryState = "pending"
	StateSent      DeliveryState = "sent"
	StateFailed    DeliveryState = "failed"
	StateCancelled DeliveryState = "cancelled"
)

// DeliveryOutcome is what Options.OnOutcome is told after an attempt.
type DeliveryOutcome struct {
	Delivery Delivery
	// State after the attempt: pending (will be retried), sent or failed.
	State    DeliveryState
	Err      error
	Duration time.Duration
}

func (s *Store) deliveryJob(deliveryID int64, notBefore time.Time) river.InsertManyParams {
	return river.InsertManyParams{
		Args:       deliveryArgs{DeliveryID: deliveryID},
		InsertOpts: &river.InsertOpts{MaxAttempts: s.retry.MaxAttempts(), ScheduledAt: notBefore},
	}
}

// insertJobsTx inserts the delivery jobs in the caller's transaction and
// records each job's id on its delivery: the delivery's current job, the
// only one allowed to attempt it (see startAttempt). The jobs are River's
// rows, written by our own statement (see jobinsert.go).
func (s *Store) insertJobsTx(ctx context.Context, tx *sql.Tx, jobs []river.InsertManyParams) error {
	return s.insertJobsReservedTx(ctx, tx, jobs, time.Time{})
}

// insertJobsReservedTx is insertJobsTx, the due jobs reserved for the
// hand-off's senders until reservedUntil (zero: not reserved; see
// handoffReservation).
func (s *Store) insertJobsReservedTx(ctx context.Context, tx *sql.Tx, jobs []river.InsertManyParams, reservedUntil time.Time) error {
	for _, p := range jobs {
		j, err := s.jobInsertOf(p)
		if err != nil {
			return err
		}
		j.reservedUntil = reservedUntil
		if _, err := s.insertJobTx(ctx, tx, j); err != nil {
			return err
		}
	}
	return nil
}
