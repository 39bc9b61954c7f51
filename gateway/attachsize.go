package gateway

import (
	"bytes"
	"errors"
	"io"
	"mime/quotedprintable"
	"slices"
	"strings"

	"github.com/emersion/go-message"
	gmtextproto "github.com/emersion/go-message/textproto"
)

// walkParts calls visit for e and each part under it, in order, as
// Entity.Walk does, but hands a part's body over still in its transfer
// encoding (raw true), so that an attachment's size is read off its
// encoded length instead of decoding it (a tenth of the gateway's CPU,
// issue 12). A multipart's body is handed over as nil; the root's, which
// message.Read has already decoded, with raw false.
func walkParts(e *message.Entity, visit func(path []int, h message.Header, body io.Reader, raw bool) error) error {
	if mt, _, _ := e.Header.ContentType(); !strings.HasPrefix(mt, "multipart/") {
		return visit(nil, e.Header, e.Body, false)
	}
	if err := visit(nil, e.Header, nil, true); err != nil {
		return err
	}
	return walkMultipart(e.Header, e.Body, nil, visit)
}

func walkMultipart(h message.Header, body io.Reader, path []int, visit func([]int, message.Header, io.Reader, bool) error) error {
	_, params, _ := h.ContentType()
	mr := gmtextproto.NewMultipartReader(body, params["boundary"])
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		sub := append(slices.Clone(path), i)
		ph := message.Header{Header: p.Header}
		if mt, _, _ := ph.ContentType(); strings.HasPrefix(mt, "multipart/") {
			if err := visit(sub, ph, nil, true); err != nil {
				return err
			}
			if err := walkMultipart(ph, p, sub, visit); err != nil {
				return err
			}
			continue
		}
		if err := visit(sub, ph, p, true); err != nil {
			return err
		}
	}
}

// encodedSize is the decoded size of a body in transfer encoding cte,
// computed without decoding base64: every 4 characters of the base64
// alphabet stand for 3 bytes, and "=" pads (RFC 2045 6.8).
func encodedSize(cte string, body io.Reader) (int64, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		chars, err := base64Chars(body)
		return chars * 3 / 4, err
	case "quoted-printable":
		return io.Copy(io.Discard, quotedprintable.NewReader(body))
	}
	return io.Copy(io.Discard, body)
}

// base64Chars counts the characters of a base64 body that carry data: all
// but white space and padding.
func base64Chars(body io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, err := body.Read(buf)
		b := buf[:k]
		n += int64(k - bytes.Count(b, []byte("\n")) - bytes.Count(b, []byte("\r")) -
			bytes.Count(b, []byte(" ")) - bytes.Count(b, []byte("\t")) - bytes.Count(b, []byte("=")))
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
