package compose

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
)

// Limits of the header block read into memory; the body is streamed.
const (
	// MaxHeaderBytes bounds the original header block. Real headers stay far
	// below it; a larger block is malformed mail, held rather than composed.
	MaxHeaderBytes = 1 << 20
	// readBufferSize is the buffer a message is read through when its
	// source cannot write itself out (io.WriterTo), and the longest
	// header line accepted, LF included.
	readBufferSize = 64 << 10
	// smallReadBufferSize is the buffer of a source that can: only its
	// header is read through it.
	smallReadBufferSize = 4 << 10
	// maxLineBytes is RFC 5322 2.1.1's limit, line ending excluded.
	maxLineBytes = 998
)

// field is one header field of the original message, kept as raw bytes so
// that a copy carries every field we do not rewrite byte for byte, 8-bit
// values included. The bytes are normalised (see normaliseField) so that the
// copy parses wherever the original only nearly did.
type field struct {
	name string // canonical, for matching
	raw  []byte // "Name: value" with CRLF line endings, folding kept
}

// value is the field's unfolded value without surrounding whitespace.
func (f field) value() string {
	v := f.raw[bytes.IndexByte(f.raw, ':')+1:]
	v = bytes.ReplaceAll(v, []byte("\r\n"), nil)
	return string(bytes.TrimSpace(v))
}

// original is what readHeader makes of a message's start: its header fields
// and, when the header ended on a line that was no field, the lines already
// read that belong to the body.
type original struct {
	fields   []field
	bodyHead []byte
	raw      []byte // the header block as read, empty line included
}

func (o original) has(name string) bool {
	for _, f := range o.fields {
		if f.name == name {
			return true
		}
	}
	return false
}

// get returns the unfolded value of the first field called name.
func (o original) get(name string) string {
	f, _ := o.first(name)
	if f.raw == nil {
		return ""
	}
	return f.value()
}

func (o original) first(name string) (field, bool) {
	for _, f := range o.fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// readHeader reads the header block leniently and consumes the empty line
// that ends it. Real-world mail has lines in its header that are no field
// (an mbox "From " line, a fold that lost its indent): such a line is dropped
// when fields follow it before the empty line, and otherwise starts the body,
// as in a message whose sender forgot the empty line.
func readHeader(r *bufio.Reader) (original, error) {
	lines, blank, err := readHeaderLines(r)
	if err != nil {
		return original{}, err
	}
	raw := bytes.Join(append(lines, blank), nil)
	kinds := classify(lines)
	end := headerEnd(kinds, blank)
	fields, err := buildFields(lines[:end], kinds[:end])
	if err != nil {
		return original{}, err
	}
	o := original{fields: fields, raw: raw}
	for _, l := range lines[end:] {
		o.bodyHead = append(o.bodyHead, l...)
	}
	if end < len(lines) && blank != nil {
		o.bodyHead = append(o.bodyHead, blank...)
	}
	return o, nil
}

// readHeaderLines reads lines up to the first empty one, which it returns
// apart (nil at the end of input).
func readHeaderLines(r *bufio.Reader) (lines [][]byte, blank []byte, err error) {
	total := 0
	for {
		line, err := readLine(r)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, err
		}
		if len(line) == 0 {
			return lines, nil, nil
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return lines, bytes.Clone(line), nil
		}
		if total += len(line); total > MaxHeaderBytes {
			return nil, nil, malformed("header block over %d bytes", MaxHeaderBytes)
		}
		lines = append(lines, bytes.Clone(line))
		if err != nil {
			return lines, nil, nil
		}
	}
}

// readLine returns the next line, LF included, valid until the next read.
// A line whose first readBufferSize bytes hold no LF is malformed,
// whatever the size of r's buffer.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	long := bytes.Clone(line)
	for errors.Is(err, bufio.ErrBufferFull) && len(long) < readBufferSize {
		line, err = r.ReadSlice('\n')
		long = append(long, line...)
	}
	switch {
	case errors.Is(err, bufio.ErrBufferFull), len(long) > readBufferSize,
		len(long) == readBufferSize && err != nil:
		return nil, malformed("header line over %d bytes", readBufferSize)
	}
	return long, err
}

// newMessageReader buffers a message for readHeader. A source that can
// write itself out gets a small buffer: past the header, the body goes
// from the source to the writer without passing through it.
func newMessageReader(raw io.Reader) *bufio.Reader {
	if _, ok := raw.(io.WriterTo); ok {
		return bufio.NewReaderSize(raw, smallReadBufferSize)
	}
	return bufio.NewReaderSize(raw, readBufferSize)
}

type lineKind int

const (
	kindGarbage lineKind = iota
	kindField
	kindContinuation
	// kindUnsendable is a field that parsers read as one but that is not
	// forwarded: one without a name (a line starting with a colon), or one
	// whose name is RFC 5322 ftext but no RFC 7230 token, which Go's
	// net/textproto (and so net/mail) refuses along with the whole header.
	// Its continuation lines go with it.
	kindUnsendable
)

// classify names each line: a field's first line, a continuation of the
// field before it, an unsendable field, or garbage. A continuation after
// garbage is garbage too.
func classify(lines [][]byte) []lineKind {
	kinds := make([]lineKind, len(lines))
	prev := kindGarbage
	for i, l := range lines {
		switch {
		case l[0] == ' ' || l[0] == '\t':
			kinds[i] = continuationKind(prev, l)
		case fieldName(l) != "":
			kinds[i] = kindField
		case l[0] == ':' || isFtextField(l):
			kinds[i] = kindUnsendable
		}
		if !isWhitespaceLine(l) {
			prev = kinds[i]
		}
	}
	return kinds
}

// continuationKind classifies an indented line. One holding only
// whitespace adds nothing to its field but space, and a whitespace-only
// line in the copy would read as the header's end to some parsers, so it
// is part of the header but not forwarded.
func continuationKind(prev lineKind, l []byte) lineKind {
	switch {
	case prev == kindGarbage:
		return kindGarbage
	case prev == kindUnsendable || isWhitespaceLine(l):
		return kindUnsendable
	}
	return kindContinuation
}

// isFtextField says whether a line starts with an RFC 5322 field name
// (printable ASCII but colon, as go-message reads them) and a colon.
func isFtextField(l []byte) bool {
	i := bytes.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	for _, c := range bytes.TrimRight(l[:i], " \t") {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// headerEnd returns how many lines form the header. With an empty line
// ahead, the header runs to the last field line before it; at the end of
// input without one, to the first garbage line, since what follows may be a
// body that merely has colons in it.
func headerEnd(kinds []lineKind, blank []byte) int {
	if blank == nil {
		for i, k := range kinds {
			if k == kindGarbage {
				return i
			}
		}
		return len(kinds)
	}
	for i := len(kinds) - 1; i >= 0; i-- {
		if kinds[i] != kindGarbage {
			return i + 1
		}
	}
	return 0
}

func buildFields(lines [][]byte, kinds []lineKind) ([]field, error) {
	fields := gatherFields(lines, kinds)
	for i := range fields {
		raw, err := normaliseField(fields[i].raw)
		if err != nil {
			return nil, err
		}
		fields[i].raw = raw
	}
	return fields, nil
}

// gatherFields joins continuation lines to their fields.
func gatherFields(lines [][]byte, kinds []lineKind) []field {
	var fields []field
	for i, l := range lines {
		switch kinds[i] {
		case kindField:
			fields = append(fields, field{name: fieldName(l), raw: l})
		case kindContinuation:
			if len(fields) > 0 {
				last := &fields[len(fields)-1]
				last.raw = append(last.raw, l...)
			}
		}
	}
	return fields
}

// HeaderFields reads a message's header block exactly as Write does and
// returns its fields, each as raw bytes ("Name: value", CRLF line endings,
// folding kept, normalised), so that intake decides on the fields a copy
// would carry. It is lenient where Write cannot be: a field too malformed
// to carry is left out, and the error (wrapping ErrMalformed) names it
// while the other fields still come back.
func HeaderFields(r io.Reader) ([][]byte, error) {
	lines, blank, err := readHeaderLines(newMessageReader(r))
	if err != nil && len(lines) == 0 {
		return nil, err
	}
	kinds := classify(lines)
	var out [][]byte
	var bad error
	for _, f := range gatherFields(lines[:headerEnd(kinds, blank)], kinds) {
		raw, ferr := normaliseField(f.raw)
		if ferr != nil {
			bad = errors.Join(bad, fmt.Errorf("field %s: %w", f.name, ferr))
			continue
		}
		out = append(out, raw)
	}
	return out, errors.Join(err, bad)
}

func isWhitespaceLine(l []byte) bool {
	return len(bytes.TrimLeft(l, " \t\r\n")) == 0
}

// fieldName returns the canonical name of a field's first line, or "" when
// the line is no field. Names are RFC 7230 tokens, stricter than RFC 5322's
// printable ASCII, because that is what Go's net/textproto (and so net/mail)
// accepts. Space before the colon occurs in the wild and is tolerated.
func fieldName(line []byte) string {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return ""
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return ""
	}
	for _, c := range name {
		if !isTokenByte(c) {
			return ""
		}
	}
	return textproto.CanonicalMIMEHeaderKey(string(name))
}

func isTokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}
