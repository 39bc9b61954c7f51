package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
)

// headerField is one field of a message header exactly as it arrived: its
// canonical name and its raw bytes, folding and line endings included.
// Keeping the raw bytes lets a forwarded copy carry every field we do not
// rewrite byte for byte, 8-bit and malformed values included.
type headerField struct {
	Name string
	Raw  []byte
}

// errHeaderTooLarge is returned when a header block exceeds its limit.
var errHeaderTooLarge = errors.New("header block too large")

// readHeaderBlock reads an RFC 5322 header block leniently. It stops at the
// empty line that separates header from body and consumes it. A line that is
// neither a field nor a continuation ends the header without being consumed:
// like Postfix's cleanup, we then take it as the first line of the body.
func readHeaderBlock(r *bufio.Reader, limit int) ([]headerField, error) {
	var fields []headerField
	total := 0
	for {
		line, err := peekLine(r)
		if errors.Is(err, errHeaderTooLarge) {
			return fields, fmt.Errorf("read header: %w", err)
		}
		if len(line) == 0 {
			return fields, eofIsEnd(err)
		}
		if isBlankLine(line) {
			_, _ = r.Discard(len(line))
			return fields, nil
		}
		total += len(line)
		if total > limit {
			return fields, fmt.Errorf("read header: %w (over %d bytes)", errHeaderTooLarge, limit)
		}
		if isContinuation(line) && len(fields) > 0 {
			last := &fields[len(fields)-1]
			last.Raw = append(last.Raw, line...)
			_, _ = r.Discard(len(line))
			continue
		}
		name, ok := fieldName(line)
		if !ok {
			return fields, nil
		}
		fields = append(fields, headerField{Name: name, Raw: append([]byte(nil), line...)})
		_, _ = r.Discard(len(line))
	}
}

// peekLine returns the next line, line ending included, without consuming it.
// A header line longer than the reader's buffer is errHeaderTooLarge. The
// last line of a message without a final line ending is returned as it is.
func peekLine(r *bufio.Reader) ([]byte, error) {
	for n := 1; ; n++ {
		buf, err := r.Peek(min(n*512, r.Size()))
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			return buf[:i+1], nil
		}
		if len(buf) == r.Size() {
			return nil, fmt.Errorf("line over %d bytes: %w", r.Size(), errHeaderTooLarge)
		}
		if err != nil {
			return buf, err
		}
	}
}

func eofIsEnd(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	return fmt.Errorf("read header: %w", err)
}

func isBlankLine(line []byte) bool {
	return len(bytes.TrimRight(line, "\r\n")) == 0
}

func isContinuation(line []byte) bool {
	return line[0] == ' ' || line[0] == '\t'
}

// fieldName returns the canonical name of a field line. RFC 5322 field names
// are printable US-ASCII except colon; trailing spaces before the colon occur
// in the wild and are tolerated.
func fieldName(line []byte) (string, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", false
	}
	name := bytes.TrimRight(line[:i], " \t")
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return "", false
		}
	}
	if len(name) == 0 {
		return "", false
	}
	return textproto.CanonicalMIMEHeaderKey(string(name)), true
}

// fieldValue returns a field's unfolded value, leading and trailing space removed.
func (f headerField) value() string {
	v := f.Raw[bytes.IndexByte(f.Raw, ':')+1:]
	v = bytes.ReplaceAll(v, []byte("\r\n"), nil)
	v = bytes.ReplaceAll(v, []byte("\n"), nil)
	return string(bytes.TrimSpace(v))
}
