package gateway

import (
	"context"
	"errors"
	"io"

	"caucusgate/gateway/compose"
	"caucusgate/gateway/smtprelay"
)

// errCompose marks a failure to write the message itself, as opposed to
// the relay's: retrying would fail the same way.
type errCompose struct{ err error }

func (e *errCompose) Error() string { return "compose: " + e.err.Error() }
func (e *errCompose) Unwrap() error { return e.err }

// streamTo sends the message write produces through the relay, signed when
// a DKIM signer is set. It streams: the message is never whole in memory,
// whatever its size, and goes from write to the relay's connection without
// a pipe in between (the relay calls write once DATA is accepted). A
// failure of write comes back as *errCompose when the relay did not fail.
func streamTo(ctx context.Context, relay *smtprelay.Relay, signer compose.Signer, env smtprelay.Envelope, write func(io.Writer) error) (smtprelay.Result, error) {
	var cerr error
	res, err := relay.Stream(ctx, env, func(w io.Writer) error {
		cerr = signedWrite(w, signer, write)
		return cerr
	})
	if cerr != nil && err == nil {
		return res, &errCompose{cerr}
	}
	return res, err
}

// signedWrite writes a message through the DKIM signer, when there is one.
// It returns only once write has returned: the original write reads may
// be a mapping that its owner unmaps when the delivery is done (a spooled
// literal held by the hand-off), and a read after that would crash.
func signedWrite(w io.Writer, signer compose.Signer, write func(io.Writer) error) error {
	if signer == nil {
		return write(w)
	}
	pr, pw := io.Pipe()
	written := make(chan struct{})
	go func() {
		defer close(written)
		pw.CloseWithError(write(pw))
	}()
	err := signer.Sign(w, pr)
	// A signer that stopped early leaves write blocked in the pipe: the
	// close fails that write, and write returns.
	pr.CloseWithError(errors.New("signer stopped reading"))
	<-written
	return err
}
