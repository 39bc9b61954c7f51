package smtprelay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Kind says what a caller should do about a failed delivery.
type Kind int

const (
	// KindTemporary failures (4xx replies) succeed on a later attempt.
	KindTemporary Kind = iota + 1
	// KindPermanent failures (5xx replies) will fail again; the message is
	// bounced to the admin for that recipient.
	KindPermanent
	// KindAuth failures mean the relay refused our credentials, or that
	// sending them would have exposed them: no message can go out until an
	// admin acts, so the daemon reports them and retries slowly.
	KindAuth
	// KindNetwork failures (dial, TLS, timeouts, dropped connections, an ended
	// context) are retried.
	KindNetwork
	// KindQuota failures are the relay's sending limits; retried like 4xx
	// replies, even when the relay said 5xx.
	KindQuota
)

func (k Kind) String() string {
	switch k {
	case KindTemporary:
		return "temporary"
	case KindPermanent:
		return "permanent"
	case KindAuth:
		return "auth"
	case KindNetwork:
		return "network"
	case KindQuota:
		return "quota"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a classified delivery failure. Code, Enhanced and Message are the
// relay's reply when there was one (Code is 0 otherwise).
type Error struct {
	Code     int
	Enhanced [3]int
	Message  string
	Kind     Kind

	retryAfter time.Duration
	err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "smtp relay: %s: ", e.Kind)
	switch {
	case e.Code != 0 && e.Enhanced != [3]int{}:
		fmt.Fprintf(&b, "%d %d.%d.%d %s", e.Code, e.Enhanced[0], e.Enhanced[1], e.Enhanced[2], e.Message)
	case e.Code != 0:
		fmt.Fprintf(&b, "%d %s", e.Code, e.Message)
	case e.err != nil && e.Message != "":
		fmt.Fprintf(&b, "%s: %v", e.Message, e.err)
	case e.err != nil:
		b.WriteString(e.err.Error())
	default:
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the underlying cause (a *smtp.SMTPError, a net.Error, a
// context error...), if any.
func (e *Error) Unwrap() error { return e.err }

// Temporary reports whether a later attempt may succeed. Auth failures are
// temporary too: the message must wait for an admin, not be bounced.
func (e *Error) Temporary() bool { return e.Kind != KindPermanent }

// RetryAfter is how long the caller should wait before the next attempt;
// zero when the relay gave no hint. A daily limit reached locally says when
// the oldest send leaves the 24-hour window.
func (e *Error) RetryAfter() time.Duration { return e.retryAfter }

// Temporary classifies any error returned by this package, or by the
// network: *Error by its Kind; a go-smtp *smtp.SMTPError as a reply to DATA;
// net.Error, a connection closed early (EOF) and context errors as temporary;
// anything else as permanent.
func Temporary(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary()
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return classifyReply(se, stageData).Temporary()
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

// KindOf returns the Kind of err, Network for network and context errors,
// and Permanent for anything unknown.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return classifyReply(se, stageData).Kind
	}
	if Temporary(err) {
		return KindNetwork
	}
	return KindPermanent
}
