package gateway

import (
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"
)

// failingSigner reads a little of the message and gives up, as a DKIM
// signer does on a header it cannot parse.
type failingSigner struct{}

func (failingSigner) Sign(_ io.Writer, r io.Reader) error {
	if _, err := io.ReadFull(r, make([]byte, 10)); err != nil {
		return err
	}
	return errors.New("signer gave up")
}

// TestSignedWriteWaitsForTheWriter: when the signer stops early, the
// composing goroutine is still inside write (reading the original);
// signedWrite must not return before it has left, or the hand-off would
// unmap a spooled original under it (a SIGSEGV, not an error).
func TestSignedWriteWaitsForTheWriter(t *testing.T) {
	var left atomic.Bool
	write := func(w io.Writer) error {
		defer left.Store(true)
		var err error
		for err == nil {
			_, err = w.Write(make([]byte, 4096))
		}
		// Still reading the original after the failed write: a composer
		// finishing the copy it was in.
		time.Sleep(50 * time.Millisecond)
		return err
	}
	err := signedWrite(io.Discard, failingSigner{}, write)
	if err == nil || err.Error() != "signer gave up" {
		t.Fatalf("signedWrite = %v, want the signer's error", err)
	}
	if !left.Load() {
		t.Fatal("signedWrite returned while write was still running")
	}
}
