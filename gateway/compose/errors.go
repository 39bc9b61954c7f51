package compose

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error that comes from the message itself
// rather than from the Spec or the writer: the gateway holds such a message
// for moderation, with the error as its reason, instead of retrying it.
var ErrMalformed = errors.New("malformed message")

// malformed returns an error wrapping ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// SpecError reports a Spec field that cannot be written into a header: a
// line break (header injection), a control character, an address or URI that
// does not parse. It is a bug upstream (rules or configuration), never the
// message's fault.
type SpecError struct {
	Field  string // the Spec field, e.g. "Subject"
	Reason string
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("invalid spec %s: %s", e.Field, e.Reason)
}
