package msgtext

import (
	"bytes"
	"strings"
	"time"

	_ "github.com/emersion/go-message/charset" // decodes the charsets real mail uses
	"github.com/emersion/go-message/mail"
)

// Default limits, used where Options leaves a field zero.
const (
	DefaultMaxText  = 64 << 10 // characters of text kept
	DefaultMaxParts = 200
	DefaultMaxDepth = 10
)

// Options bound an extraction. A nil *Options is equivalent to a zero
// Options value; a zero field takes its default.
type Options struct {
	MaxText  int // characters of Text kept; the rest is cut and Truncated set
	MaxParts int // MIME parts visited
	MaxDepth int // nesting of multiparts and forwarded messages
	// Calendars keeps the text/calendar and application/ics parts,
	// decoded, in Text.Calendars: the invitation reader's one MIME walk
	// gives it both the text and the calendars.
	Calendars bool
}

// Text is the readable content of a message.
type Text struct {
	Header      []Field      // the fields that matter (From, To, Subject...)
	Text        string       // UTF-8, lines ending in "\n", no control characters but tab
	FromHTML    bool         // some of Text was extracted from HTML
	Truncated   bool         // Text was cut at Options.MaxText characters
	Attachments []Attachment // parts that are not the text, in message order
	Problems    []string     // what could not be read, for the reader to be told
	// Date is the message's Date field, zero when it has none or an
	// unreadable one.
	Date time.Time
	// Calendars, with Options.Calendars, are the calendar parts, each
	// decoded and cut at MaxCalendar bytes.
	Calendars [][]byte
}

// MaxCalendar bounds each of Text.Calendars.
const MaxCalendar = 1 << 20

// Attachment is one part of a message that is not its text.
type Attachment struct {
	Name   string // file name given by the sender, or "" when none
	Type   string // media type, lower case
	Size   int64  // bytes after transfer decoding (DecodedSize)
	Inline bool   // Content-Disposition: inline (an image shown in HTML, say)
}

// Extract returns the readable text of the raw message.
func Extract(raw []byte, opt *Options) Text {
	w := newWalker(opt)
	e, body, err := readEntity(bytes.NewReader(raw))
	if e == nil {
		w.problem("header: %v: lines without a colon dropped", err)
		e, body, err = readEntity(bytes.NewReader(repairHeader(raw)))
	}
	if e == nil {
		w.problem("header unreadable: %v", err)
		w.addText(headerlessBody(raw), false)
		return w.result()
	}
	if err != nil {
		w.problem("%v", err)
	}
	w.entity(e, body, 0)
	t := w.result()
	t.Header = fields(e.Header)
	mh := mail.Header{Header: e.Header}
	t.Date, _ = mh.Date()
	return t
}

// repairHeader drops the lines of raw's header that are neither fields
// nor their continuations, as lenient mail readers do.
func repairHeader(raw []byte) []byte {
	s := strings.ReplaceAll(string(raw), "\r\n", "\n")
	head, body, _ := strings.Cut(s, "\n\n")
	var kept []string
	for _, line := range strings.Split(head, "\n") {
		name, _, isField := strings.Cut(line, ":")
		folded := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")
		if folded && len(kept) > 0 || isField && name != "" && !strings.ContainsAny(name, " \t") {
			kept = append(kept, line)
		}
	}
	return []byte(strings.Join(kept, "\n") + "\n\n" + body)
}

// headerlessBody is what follows the first blank line of raw, or raw itself
// when there is none: the text of a message whose header cannot be parsed.
func headerlessBody(raw []byte) string {
	s := strings.ReplaceAll(string(raw), "\r\n", "\n")
	if _, body, ok := strings.Cut(s, "\n\n"); ok {
		return body
	}
	return s
}
