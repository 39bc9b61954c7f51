package token

import "errors"

// ErrInvalid is returned for anything that is not a token sealed by one of the
// keyring's keys: malformed text, a bad MAC, a tampered payload, the wrong
// kind. Callers treat it as "no token here" and must not say why.
var ErrInvalid = errors.New("invalid token")

// ErrExpired is returned for a genuine token past its expiry. Open returns the
// token with it, so a caller may tell the sender which message it was about.
var ErrExpired = errors.New("expired token")
