package imapwatch

import (
	"errors"
	"fmt"
)

// ErrAuth matches every *AuthError with errors.Is.
var ErrAuth = errors.New("imap authentication failed")

// ErrPlaintext is returned when authenticating would send credentials in
// clear to a host off loopback and Config.Insecure is not set.
var ErrPlaintext = errors.New("refusing plaintext authentication off loopback (no TLS, no STARTTLS; set insecure to allow)")

// ErrNoMove is returned when Config.DoneMailbox is set but the server has
// neither MOVE nor UIDPLUS.
var ErrNoMove = errors.New("server has neither MOVE nor UIDPLUS: refusing done_mailbox")

// AuthError is a server's refusal of our credentials (NO to LOGIN or
// AUTHENTICATE), as opposed to a network or protocol failure: retrying soon
// will not help, and the admin must be told.
type AuthError struct {
	Mechanism string // LOGIN, PLAIN, XOAUTH2, OAUTHBEARER
	Err       error  // the server's response, never the credentials
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("imap authentication (%s) failed: %v", e.Mechanism, e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrAuth) true.
func (e *AuthError) Is(target error) bool { return target == ErrAuth }

// permanent reports errors that a quick retry will not cure: they use the
// slow authentication backoff.
func permanent(err error) bool {
	return errors.Is(err, ErrAuth) || errors.Is(err, ErrPlaintext) || errors.Is(err, ErrNoMove)
}
