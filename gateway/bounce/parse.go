package bounce

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/emersion/go-message"
)

const (
	// maxParts and maxDepth bound the MIME walk over hostile input.
	maxParts = 64
	maxDepth = 8
	// maxPartBytes bounds what is read of one part: reports and header
	// blocks are small, returned messages need only their header.
	maxPartBytes = 1 << 20
)

// parts is what the MIME walk collects from a report.
type parts struct {
	status   string // the message/delivery-status body
	original string // the returned message or its header
	text     string // the first text/plain part, or the whole body of a single-part message
}

// Parse reads a delivery status notification. It returns false when raw is
// no report it can read: an RFC 3464 report with at least one recipient, or
// a qmail, Exim or Exchange text bounce that names at least one recipient.
// Only messages that look like reports by their header (IsDeliveryReport,
// or a bounce subject such as "Undeliverable:" from anyone) are read, so
// that a member forwarding a bounce by hand is not taken for one. Parse never fails on
// malformed MIME; it reads what it can.
func Parse(raw []byte) (*Report, bool) {
	p, ok := collect(raw)
	if !ok {
		return nil, false
	}
	r := &Report{}
	if p.status != "" {
		r.Standard = true
		parseDeliveryStatus(p.status, r)
	}
	if len(r.Recipients) == 0 {
		r = &Report{}
		if copied := parseText(p.text, r); p.original == "" {
			p.original = copied
		}
	}
	if len(r.Recipients) == 0 {
		return nil, false
	}
	r.setOriginal(p.original)
	return r, true
}

// collect finds the parts of a report; false when raw does not look like
// one. A header go-message refuses (a line with no colon, 8-bit junk) is
// read leniently instead, and the body taken as text.
func collect(raw []byte) (parts, bool) {
	var p parts
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !lenient(err) {
		h := readHeader(string(raw))
		if h == nil || !looksLikeReport(h) {
			return p, false
		}
		if _, body, found := strings.Cut(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n"); found {
			p.text = body
		}
		return p, true
	}
	if !looksLikeReport(&e.Header) {
		return p, false
	}
	p.walk(e, 0, new(int))
	return p, true
}

func looksLikeReport(h Header) bool {
	return IsDeliveryReport(h) || bounceSubject.MatchString(h.Get("Subject"))
}

// lenient reports whether a go-message error leaves the entity readable.
func lenient(err error) bool {
	return message.IsUnknownCharset(err) || message.IsUnknownEncoding(err)
}

// walk visits e and its descendants depth-first.
func (p *parts) walk(e *message.Entity, depth int, count *int) {
	if *count++; *count > maxParts || depth > maxDepth {
		return
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) || (err != nil && !lenient(err)) {
				return
			}
			p.walk(part, depth+1, count)
		}
	}
	p.take(e)
}

// take keeps the body of a part the report needs.
func (p *parts) take(e *message.Entity) {
	mt, _, _ := e.Header.ContentType()
	switch mt {
	case "message/delivery-status", "message/global-delivery-status":
		if p.status == "" {
			p.status = readPart(e)
		}
	case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers", "message/rfc822-headers":
		if p.original == "" {
			p.original = readPart(e)
		}
	case "text/plain", "":
		if p.text == "" {
			p.text = readPart(e)
		}
	}
}

func readPart(e *message.Entity) string {
	b, _ := io.ReadAll(io.LimitReader(e.Body, maxPartBytes))
	return string(b)
}

// setOriginal fills the returned message's header, when there is one.
func (r *Report) setOriginal(original string) {
	if original == "" {
		return
	}
	h := readHeader(original)
	if h == nil {
		return
	}
	r.OriginalHeader = h
	if id := strings.TrimSpace(h.Get("Message-Id")); id != "" {
		r.OriginalMessageID = id
	}
}
