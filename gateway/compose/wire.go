package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// What may reach SMTP DATA. RFC 5321 2.3.8 and 4.1.1.4 allow CR and LF only
// together, as a line's end, and RFC 5322 2.3 forbids NUL. A bare CR or LF
// is read as a line end by some servers and not by others, which lets a
// sender end the DATA of one hop early and smuggle a second transaction
// ("A\r.\rMAIL FROM:...", SMTP smuggling, 2023). So a copy never carries
// one: a message in Unix form (no CR anywhere) has its LFs written as CRLF,
// which is its RFC 5322 form; a message with CRLF line ends and stray bytes
// has the leaf parts that hold them re-encoded in resend mode, and is held
// otherwise.

// ErrBareBytes is wrapped, with ErrMalformed, by every refusal of a bare CR,
// bare LF or NUL.
var ErrBareBytes = errors.New("bare CR, bare LF or NUL")

// stray names the first byte of b that cannot go into DATA as it is, in a
// message with CRLF line ends: "" when there is none.
func stray(b []byte) string {
	if bytes.IndexByte(b, 0) >= 0 {
		return "NUL"
	}
	e := countLineEnds(b, false)
	if e.cr != e.crlf {
		return "bare CR"
	}
	if e.lf != e.crlf {
		return "bare LF"
	}
	return ""
}

// lineEnds counts the CRs and LFs of a stretch of a message, and the LFs
// that follow a CR.
type lineEnds struct{ cr, lf, crlf int }

// countLineEnds counts b's line ends; afterCR says a CR came just before
// b, which an LF starting b pairs with. It visits each LF and counts the
// CRs in one pass: bytes.Count of "\r\n" searches afresh for each pair,
// which cost more than the rest of the check.
func countLineEnds(b []byte, afterCR bool) lineEnds {
	e := lineEnds{cr: bytes.Count(b, []byte{'\r'})}
	for i := bytes.IndexByte(b, '\n'); i >= 0; {
		e.lf++
		if i > 0 && b[i-1] == '\r' || i == 0 && afterCR {
			e.crlf++
		}
		next := bytes.IndexByte(b[i+1:], '\n')
		if next < 0 {
			break
		}
		i += next + 1
	}
	return e
}

// isUnixForm says whether raw uses LF alone as its line end throughout.
func isUnixForm(raw []byte) bool {
	return bytes.IndexByte(raw, '\r') < 0
}

// bareBytes returns the error of a refusal: where the stray byte is and
// what it is.
func bareBytes(where, what string) error {
	return fmt.Errorf("%w: %w: %s in %s", ErrMalformed, ErrBareBytes, what, where)
}

// wireWriter checks, and in Unix form canonicalises, everything Write
// sends: a copy is refused mid-stream rather than carry a stray byte (the
// relay then drops the connection instead of ending DATA). A CR that ends
// a write is held back until the next byte shows whether it is bare.
type wireWriter struct {
	w    io.Writer
	unix bool // write a bare LF as CRLF
	cr   bool // a CR ended the last write, and is not written yet
	buf  []byte
}

func (g *wireWriter) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return 0, bareBytes("the message", "NUL")
	}
	out, err := g.check(b)
	if err != nil {
		return 0, err
	}
	if _, err := g.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// finish refuses a copy that ends in a bare CR.
func (g *wireWriter) finish() error {
	if g.cr {
		return bareBytes("the message", "bare CR")
	}
	return nil
}

// check returns b as it goes to the wire, or the error of a stray byte.
func (g *wireWriter) check(b []byte) ([]byte, error) {
	carried := g.cr
	if carried && b[0] != '\n' {
		return nil, bareBytes("the message", "bare CR")
	}
	e := countLineEnds(b, carried)
	crlf, cr, lf := e.crlf, e.cr, e.lf
	if carried {
		cr++
	}
	if g.cr = b[len(b)-1] == '\r'; g.cr {
		cr-- // its LF, if it comes, is in the next write
		b = b[:len(b)-1]
	}
	switch {
	case cr != crlf:
		return nil, bareBytes("the message", "bare CR")
	case lf == crlf && !carried:
		return b, nil
	case lf != crlf && !g.unix:
		return nil, bareBytes("the message", "bare LF")
	}
	return g.canonical(b, carried), nil
}

// canonical returns b with every bare LF written as CRLF; carried says
// that a CR ended the previous write.
func (g *wireWriter) canonical(b []byte, carried bool) []byte {
	g.buf = g.buf[:0]
	if carried {
		g.buf = append(g.buf, '\r')
	}
	start := 0
	for i, c := range b {
		if c != '\n' || (i == 0 && carried) || (i > 0 && b[i-1] == '\r') {
			continue
		}
		g.buf = append(append(g.buf, b[start:i]...), '\r')
		start = i
	}
	return append(g.buf, b[start:]...)
}

// checkWire refuses a header block that holds a stray byte: fields are
// not re-encoded, and every mode carries them.
func (o original) checkWire() error {
	if what := headerStray(o.raw); what != "" {
		return bareBytes("the header", what)
	}
	return nil
}

// headerStray is stray for a header block, in which a Unix form (LF line
// ends throughout, no CR) is allowed.
func headerStray(raw []byte) string {
	if isUnixForm(raw) {
		if bytes.IndexByte(raw, 0) >= 0 {
			return "NUL"
		}
		return ""
	}
	return stray(raw)
}

// reencodeBody re-encodes the body of o (the bytes after its header) for
// a resent copy, in CRLF form.
func reencodeBody(o original, rest []byte) (reencoded, error) {
	body := append(bytes.Clone(o.bodyHead), rest...)
	if isUnixForm(o.raw) && isUnixForm(body) {
		body = bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n"))
	}
	return reencode(o.fields, body, 0)
}

// WireVerdict says whether a message's copies can go into SMTP DATA
// without a bare CR, bare LF or NUL.
type WireVerdict struct {
	// Unsendable is why no copy in any mode can carry the message: stray
	// bytes in its header, in a multipart's own lines, or in a message/*
	// part. It wraps ErrMalformed and ErrBareBytes.
	Unsendable error
	// Reencode is why only a resent copy with Spec.Reencode can carry it:
	// redirect and encapsulate keep the original's bytes.
	Reencode error
}

// CheckWire reads raw as Write would and says what its copies need.
func CheckWire(raw []byte) WireVerdict {
	r := newMessageReader(bytes.NewReader(raw))
	o, err := readHeader(r)
	if err == nil {
		err = o.checkWire()
	}
	if err != nil {
		return WireVerdict{Unsendable: err}
	}
	rest := raw[len(o.raw):]
	if isUnixForm(raw) {
		if bytes.IndexByte(rest, 0) < 0 {
			return WireVerdict{}
		}
	} else if stray(rest) == "" {
		return WireVerdict{}
	}
	if _, err := reencodeBody(o, rest); err != nil {
		return WireVerdict{Unsendable: err}
	}
	what := stray(append(bytes.Clone(o.bodyHead), rest...))
	if isUnixForm(raw) {
		what = "NUL"
	}
	return WireVerdict{Reencode: bareBytes("the body", what)}
}
