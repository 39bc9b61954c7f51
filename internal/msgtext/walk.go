package msgtext

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// walker collects the text and attachments of one message. Sub-walkers
// (the branches of a multipart/alternative) share its part count.
type walker struct {
	opt       Options
	parts     *int
	text      strings.Builder
	runes     int
	fromHTML  bool
	truncated bool
	atts      []Attachment
	calendars [][]byte
	problems  []string
}

func newWalker(opt *Options) *walker {
	var o Options
	if opt != nil {
		o = *opt
	}
	if o.MaxText <= 0 {
		o.MaxText = DefaultMaxText
	}
	if o.MaxParts <= 0 {
		o.MaxParts = DefaultMaxParts
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	return &walker{opt: o, parts: new(int)}
}

// fork returns an empty walker that shares w's limits and part count.
func (w *walker) fork() *walker {
	return &walker{opt: w.opt, parts: w.parts}
}

func (w *walker) result() Text {
	return Text{
		Text:        w.text.String(),
		FromHTML:    w.fromHTML,
		Truncated:   w.truncated,
		Attachments: w.atts,
		Problems:    w.problems,
		Calendars:   w.calendars,
	}
}

func (w *walker) problem(format string, args ...any) {
	if len(w.problems) < 20 {
		p := strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
		w.problems = append(w.problems, clean(p))
	}
}

// entity reads one MIME entity: its text, its attachments, its parts. raw
// is its body still in its transfer encoding.
func (w *walker) entity(e *message.Entity, raw io.Reader, depth int) {
	*w.parts++
	if *w.parts > w.opt.MaxParts {
		if *w.parts == w.opt.MaxParts+1 {
			w.problem("more than %d parts: the rest not read", w.opt.MaxParts)
		}
		return
	}
	t, _, err := e.Header.ContentType()
	if err != nil && t == "" {
		t = "text/plain" // RFC 2045 section 5.2: the default for a field that cannot be read
	}
	switch {
	case strings.HasPrefix(t, "multipart/"):
		w.multipart(e, t, depth)
	case t == "message/rfc822" || t == "message/global":
		w.forwarded(e, t, depth)
	case w.opt.Calendars && (t == "text/calendar" || t == "application/ics"):
		w.calendar(e, t)
	case isAttachment(e):
		w.attach(e, raw, t)
	case t == "text/plain":
		w.addText(w.readText(e, 4*w.opt.MaxText), false)
	case t == "text/html":
		w.addText(htmlText(w.readText(e, 32*w.opt.MaxText)), true)
	default:
		w.attach(e, raw, t)
	}
}

// isAttachment reports whether the sender marked e as an attachment.
func isAttachment(e *message.Entity) bool {
	d, _, _ := e.Header.ContentDisposition()
	return d == "attachment"
}

// multipart reads the parts of a multipart entity. Of an alternative, one
// branch gives the text (RFC 2046 section 5.1.4): the first that has plain
// text, else the first that has any; every branch's attachments are listed.
func (w *walker) multipart(e *message.Entity, t string, depth int) {
	_, params, _ := e.Header.ContentType()
	if params["boundary"] == "" {
		w.problem("%s without a boundary: read as text", t)
		w.addText(w.readText(e, 4*w.opt.MaxText), false)
		return
	}
	if depth >= w.opt.MaxDepth {
		w.problem("parts nested deeper than %d not read", w.opt.MaxDepth)
		return
	}
	// A multipart's body is never transfer-decoded (RFC 2045 section 6.4,
	// and go-message ignores the field): its parts are read raw, and each
	// decoded only if its text is wanted.
	mr := textproto.NewMultipartReader(e.Body, params["boundary"])
	var branches []*walker
	for {
		raw, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.problem("%s cut short: %v", t, err)
			break
		}
		p, err := message.New(message.Header{Header: raw.Header}, raw)
		if err != nil {
			w.problem("%v", err)
		}
		if t != "multipart/alternative" {
			w.entity(p, raw, depth+1)
			continue
		}
		b := w.fork()
		b.entity(p, raw, depth+1)
		branches = append(branches, b)
	}
	w.chooseBranch(branches)
}

// chooseBranch merges the branches of an alternative into w.
func (w *walker) chooseBranch(branches []*walker) {
	var chosen *walker
	for _, b := range branches {
		has := strings.TrimSpace(b.text.String()) != ""
		if has && !b.fromHTML {
			chosen = b
			break
		}
		if has && chosen == nil {
			chosen = b
		}
	}
	if chosen != nil {
		w.addText(chosen.text.String(), chosen.fromHTML)
		w.truncated = w.truncated || chosen.truncated
	}
	for _, b := range branches {
		w.atts = append(w.atts, b.atts...)
		w.calendars = append(w.calendars, b.calendars...)
		for _, p := range b.problems {
			w.problem("%s", p)
		}
	}
}

// forwarded reads a message carried whole inside another: listed as an
// attachment, its text follows under a short header.
func (w *walker) forwarded(e *message.Entity, t string, depth int) {
	body, err := io.ReadAll(e.Body)
	if err != nil {
		w.problem("forwarded message: %v", err)
	}
	inner, innerRaw, err := readEntity(bytes.NewReader(body))
	name := ""
	if inner != nil {
		h := mail.Header{Header: inner.Header}
		name, _ = h.Subject()
	}
	w.atts = append(w.atts, Attachment{Name: clean(name), Type: t, Size: int64(len(body)), Inline: !isAttachment(e)})
	if inner == nil || depth >= w.opt.MaxDepth {
		w.problem("forwarded message not read: %v", err)
		return
	}
	w.addText(forwardHeader(mail.Header{Header: inner.Header}), false)
	w.entity(inner, innerRaw, depth+1)
}

// forwardHeader introduces the text of a forwarded message.
func forwardHeader(h mail.Header) string {
	var b strings.Builder
	b.WriteString("---------- Forwarded message ----------\n")
	for _, k := range []string{"From", "Date", "Subject", "To"} {
		if v, _ := h.Text(k); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	return b.String()
}

// calendar keeps a calendar part's first MaxCalendar bytes, and lists it
// as an attachment.
func (w *walker) calendar(e *message.Entity, t string) {
	var head bytes.Buffer
	_, err := io.Copy(&head, io.LimitReader(e.Body, MaxCalendar))
	size := int64(head.Len())
	if err == nil {
		w.calendars = append(w.calendars, head.Bytes())
		var rest int64
		rest, err = io.Copy(io.Discard, e.Body)
		size += rest
	}
	w.list(e, t, size, err)
}

// attach lists e as an attachment, sized off raw, its body still in its
// transfer encoding.
func (w *walker) attach(e *message.Entity, raw io.Reader, t string) {
	size, err := DecodedSize(e.Header.Get("Content-Transfer-Encoding"), raw)
	w.list(e, t, size, err)
}

// list adds e to the attachments, of the size read (err, when reading it
// failed).
func (w *walker) list(e *message.Entity, t string, size int64, err error) {
	ah := mail.AttachmentHeader{Header: e.Header}
	name, _ := ah.Filename()
	if err != nil {
		w.problem("attachment %q: %v", clean(name), err)
	}
	d, _, _ := e.Header.ContentDisposition()
	w.atts = append(w.atts, Attachment{Name: clean(name), Type: t, Size: size, Inline: d == "inline"})
}
