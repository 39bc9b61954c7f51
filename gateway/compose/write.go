package compose

import (
	"fmt"
	"io"
)

// Write composes the copy of raw that spec describes and writes it to w.
// It streams: memory is bounded by the original's header block (at most
// MaxHeaderBytes), whatever the size of the body. An invalid spec is a
// *SpecError; a message that cannot be composed safely is an error wrapping
// ErrMalformed. What it writes holds no bare CR, bare LF or NUL (see
// CheckWire): a copy that would is refused as it streams. Write does not
// sign: see Signer.
func Write(w io.Writer, spec Spec, raw io.Reader) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	r := newMessageReader(raw)
	o, err := readHeader(r)
	if err == nil {
		err = o.checkWire()
	}
	if err != nil {
		return fmt.Errorf("compose: read header: %w", err)
	}
	g := &wireWriter{w: w, unix: isUnixForm(o.raw)}
	switch spec.mode() {
	case Encapsulate:
		err = writeEncapsulate(g, spec, o, r)
	case Redirect:
		err = writeRedirect(g, spec, o, r)
	default:
		err = writeResend(g, spec, o, r)
	}
	if err == nil {
		err = g.finish()
	}
	if err != nil {
		return fmt.Errorf("compose %s: %w", spec.mode(), err)
	}
	return nil
}
