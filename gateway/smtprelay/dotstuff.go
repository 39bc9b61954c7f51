package smtprelay

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
)

// ErrBareBytes refuses a message holding a bare CR, a bare LF or a NUL.
// RFC 5321 2.3.8 allows CR and LF only together, and servers that disagree
// on a bare one let a sender smuggle a second transaction past the first
// (SMTP smuggling, 2023): such a byte is never sent, whatever composed the
// message.
var ErrBareBytes = errors.New("bare CR, bare LF or NUL in the message")

// dotStuffer writes a message as the content of SMTP DATA (RFC 5321
// 4.5.2): a line that starts with a dot gets a second one. It copies a
// line at a time where net/textproto's DotWriter, which go-smtp's Data
// uses, handles every byte on its own: that cost a fifth of the gateway's
// CPU.
//
// go-smtp ends DATA by closing its DotWriter, through which nothing has
// been written: that writes CRLF "." CRLF. So the stuffer holds back the
// CRLF that ends the message, which that terminator writes again; a
// message that does not end in CRLF gets one, as it did before.
type dotStuffer struct {
	w         *bufio.Writer
	lineStart bool // the next byte starts a line
	cr        bool // a CR ended the last write, not written yet
	crlf      bool // a CRLF ended the last write, not written yet
	dots      []int
}

func newDotStuffer(w *bufio.Writer) *dotStuffer {
	return &dotStuffer{w: w, lineStart: true}
}

func (d *dotStuffer) Write(b []byte) (int, error) {
	if bytes.IndexByte(b, 0) >= 0 {
		return 0, fmt.Errorf("%w: NUL", ErrBareBytes)
	}
	if len(b) == 0 {
		return 0, nil
	}
	if !d.wellFormed(b) {
		return d.writeLines(b) // refused: it finds the first stray byte
	}
	if err := d.writeStuffed(b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// wellFormed says whether every CR and LF of b, with the CR held back
// from the last write, belongs to a CRLF (a CR that ends b may yet), and
// notes in d.dots where a line of b starts with a dot. It visits each LF
// once and counts the CRs in one pass, which is what makes the stuffer
// cheaper than a line at a time.
func (d *dotStuffer) wellFormed(b []byte) bool {
	if d.cr && b[0] != '\n' {
		return false
	}
	d.dots = d.dots[:0]
	paired := 0 // CRs of b that precede an LF
	for i := bytes.IndexByte(b, '\n'); i >= 0; {
		switch {
		case i > 0 && b[i-1] == '\r':
			paired++
		case i > 0 || !d.cr:
			return false
		}
		if i+1 < len(b) && b[i+1] == '.' {
			d.dots = append(d.dots, i+1)
		}
		next := bytes.IndexByte(b[i+1:], '\n')
		if next < 0 {
			break
		}
		i += next + 1
	}
	if b[len(b)-1] == '\r' {
		paired++ // held back: the next write must start with its LF
	}
	return bytes.Count(b, []byte{'\r'}) == paired
}

// writeStuffed writes b, which wellFormed accepted: what is held back,
// then b in as few writes as its stuffing dots allow, less any CR or CRLF
// that ends it, held back in turn.
func (d *dotStuffer) writeStuffed(b []byte) error {
	start := 0
	if d.cr { // b starts with the LF of the CR held back
		d.cr, d.crlf, d.lineStart = false, true, true
		if start = 1; len(b) == 1 {
			return nil
		}
	}
	d.flushHeld()
	end := len(b)
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		d.crlf, end = true, end-2
	case b[end-1] == '\r':
		d.cr, end = true, end-1
	}
	if d.lineStart && start < end && b[start] == '.' {
		d.w.WriteByte('.')
	}
	d.lineStart = b[len(b)-1] == '\n'
	for _, dot := range d.dots {
		if dot == start {
			continue // after the LF of the CR held back: stuffed above
		}
		d.w.Write(b[start:dot])
		d.w.WriteByte('.')
		start = dot
	}
	_, err := d.w.Write(b[start:end])
	return err
}

// writeLines writes b a line at a time, checking each, so that a refusal
// names the first stray byte as it comes.
func (d *dotStuffer) writeLines(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		line, err := d.nextLine(b)
		if err != nil {
			return n, err
		}
		if err := d.writeLine(line); err != nil {
			return n, err
		}
		n += len(line)
		b = b[len(line):]
	}
	return n, nil
}

// nextLine returns b up to and including its first LF, or all of it, after
// checking that every CR and LF in it belongs to a CRLF.
func (d *dotStuffer) nextLine(b []byte) ([]byte, error) {
	if d.cr && b[0] != '\n' {
		return nil, fmt.Errorf("%w: bare CR", ErrBareBytes)
	}
	line, text := b, b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i+1]
		switch {
		case i > 0 && b[i-1] == '\r':
			text = b[:i-1]
		case i == 0 && d.cr:
			text = nil
		default:
			return nil, fmt.Errorf("%w: bare LF", ErrBareBytes)
		}
	} else if b[len(b)-1] == '\r' {
		text = b[:len(b)-1]
	}
	if bytes.IndexByte(text, '\r') >= 0 {
		return nil, fmt.Errorf("%w: bare CR", ErrBareBytes)
	}
	return line, nil
}

// writeLine writes what is held back, the stuffing dot, and line less any
// CR or CRLF that ends it, which is held back in turn.
func (d *dotStuffer) writeLine(line []byte) error {
	if d.cr { // line is the LF of the CR held back
		d.cr, d.crlf, d.lineStart = false, true, true
		return nil
	}
	d.flushHeld()
	if d.lineStart && line[0] == '.' {
		d.w.WriteByte('.')
	}
	end := len(line)
	switch {
	case line[end-1] == '\n':
		d.crlf, end = true, end-2
	case line[end-1] == '\r':
		d.cr, end = true, end-1
	}
	d.lineStart = line[len(line)-1] == '\n'
	_, err := d.w.Write(line[:end])
	return err
}

func (d *dotStuffer) flushHeld() {
	if d.crlf {
		d.w.WriteString("\r\n")
	} else if d.cr {
		d.w.WriteByte('\r')
	}
	d.cr, d.crlf = false, false
}

// finish flushes the stuffed message less its final CRLF; a CR at its end
// would be bare.
func (d *dotStuffer) finish() error {
	if d.cr {
		return fmt.Errorf("%w: bare CR", ErrBareBytes)
	}
	return d.w.Flush()
}
