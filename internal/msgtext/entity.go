package msgtext

import (
	"bufio"
	"errors"
	"io"
	"math"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// maxHeader bounds the header of a message, as message.Read does.
const maxHeader = 1 << 20

var errHeaderTooBig = errors.New("header exceeds 1 MiB")

// readEntity reads a message as message.Read does, and also returns its
// body still in its transfer encoding, from which an attachment's size is
// read without decoding it.
func readEntity(r io.Reader) (e *message.Entity, raw io.Reader, err error) {
	lr := &io.LimitedReader{R: r, N: maxHeader}
	br := bufio.NewReader(lr)
	h, err := textproto.ReadHeader(br)
	if err != nil {
		if lr.N <= 0 {
			err = errHeaderTooBig
		}
		return nil, nil, err
	}
	lr.N = math.MaxInt64
	e, err = message.New(message.Header{Header: h}, br)
	return e, br, err
}
