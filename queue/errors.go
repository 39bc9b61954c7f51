package queue

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned for a delivery or message that does not exist.
var ErrNotFound = errors.New("not found")

// ErrNoEpoch is returned by Intake when BeginEpoch was never called for the
// mailbox's UIDVALIDITY: without an epoch, the fingerprint check of a
// UIDVALIDITY reset could be skipped silently.
var ErrNoEpoch = errors.New("no epoch recorded for this uidvalidity")

// ErrRawPurged is returned by OpenRaw for a message whose bytes retention
// has removed.
var ErrRawPurged = errors.New("raw message purged")

// StoreInUseError is returned by ClaimDaemon when another daemon holds the
// SQLite store.
type StoreInUseError struct {
	Path string
	PID  int
}

func (e *StoreInUseError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("store %s in use by pid %d", e.Path, e.PID)
	}
	return fmt.Sprintf("store %s in use by another process", e.Path)
}

// permanentError marks a delivery error as final.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as final (an SMTP 5xx): the delivery is failed and
// not retried. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked by
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// retryAfter extracts a delay requested by the error, if any.
func retryAfter(err error) (time.Duration, bool) {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		if d := r.RetryAfter(); d > 0 {
			return d, true
		}
	}
	return 0, false
}

// PartiallyAccepted is what a Deliverer returns when the relay accepted
// the message for some recipients and refused others for now. It is not a
// failure: the delivery is recorded as sent and, in the same transaction,
// Requeue is added as new deliveries of the same message, so that a crash
// can neither resend to those who got it nor lose those who did not.
type PartiallyAccepted struct {
	Requeue []NewDelivery
}

func (p *PartiallyAccepted) Error() string {
	return fmt.Sprintf("accepted for some recipients; %d deliveries requeued", len(p.Requeue))
}

// requeueOf returns the deliveries a partial acceptance asks for.
func requeueOf(err error) ([]NewDelivery, bool) {
	var p *PartiallyAccepted
	if errors.As(err, &p) {
		return p.Requeue, true
	}
	return nil, false
}
