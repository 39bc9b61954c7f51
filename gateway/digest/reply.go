package digest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decodes the charsets real replies use
	"github.com/emersion/go-message/mail"
)

// Limits on what is read out of one reply. The reply itself travels whole
// (as an attachment or message/rfc822); these bound what is decoded.
const (
	maxText        = 64 << 10 // characters of text quoted in the relayed mail
	maxAttachments = 100
	maxPartSize    = 50 << 20
	maxDepth       = 8 // nested multiparts
)

// reply is what a relayed mail shows of one reply.
type reply struct {
	Text        string // the first text/plain part, decoded to UTF-8
	Subject     string
	Attachments []attachment // every part that is not the text or an HTML rendering
	HTML        []attachment // the HTML parts, shown when there is no text
}

// attachment is one part of a reply carried into a plain relay: its
// header, and its body decoded from its transfer encoding.
type attachment struct {
	Header message.Header
	Body   []byte
}

// readReply decodes a reply. A reply that is not MIME, or whose charset is
// unknown, still yields what can be read: relaying an answer matters more
// than its accents. Only a reply that cannot be parsed at all is an error.
func readReply(raw []byte) (reply, error) {
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil {
		return reply{}, fmt.Errorf("read reply: %w", err)
	}
	h := mail.Header{Header: e.Header}
	subject, _ := h.Subject()
	r := reply{Subject: subject}
	walk(e, &r, 0)
	return r, nil
}

// walk collects the text and attachments of an entity and its parts.
func walk(e *message.Entity, r *reply, depth int) {
	if mr := e.MultipartReader(); mr != nil && depth < maxDepth {
		for {
			p, err := mr.NextPart()
			if p == nil || err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
				return
			}
			walk(p, r, depth+1)
		}
	}
	t, _, _ := e.Header.ContentType()
	disposition, _, _ := e.Header.ContentDisposition()
	switch {
	case t == "text/plain" && disposition != "attachment" && r.Text == "":
		r.Text = readText(e.Body)
	case t == "text/plain" && disposition != "attachment":
		// a second text part, as mailers split text around inline images
		r.Text += "\n" + readText(e.Body)
	case t == "text/html" && disposition != "attachment":
		r.HTML = appendPart(r.HTML, e)
	default:
		r.Attachments = appendPart(r.Attachments, e)
	}
}

// appendPart reads a part into list, up to maxAttachments parts.
func appendPart(list []attachment, e *message.Entity) []attachment {
	if len(list) >= maxAttachments {
		return list
	}
	body, err := io.ReadAll(io.LimitReader(e.Body, maxPartSize))
	if err != nil && !message.IsUnknownEncoding(err) {
		return list
	}
	return append(list, attachment{Header: e.Header, Body: body})
}

// shown returns the parts a relay carries: the attachments, and the HTML
// parts when the reply has no text to show instead.
func (r *reply) shown() []attachment {
	if strings.TrimSpace(r.Text) == "" {
		return append(append([]attachment(nil), r.HTML...), r.Attachments...)
	}
	return r.Attachments
}

// readText reads a text part, keeping valid UTF-8 only and at most maxText
// characters.
func readText(body io.Reader) string {
	b, err := io.ReadAll(io.LimitReader(body, 4*maxText))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && len(b) == 0 {
		return ""
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if utf8.RuneCountInString(s) > maxText {
		s = string([]rune(s)[:maxText]) + "\n[... cut here: the reply is longer]\n"
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}
