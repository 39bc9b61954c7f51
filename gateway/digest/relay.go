package digest

import (
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// WriteRelay writes the plain relay of one reply: From "Name via Caucus"
// at the gateway's address (the answerer in X-Original-From), Reply-To the
// caucus, threaded under the invitation. Its text says who answered for
// which caucus, then gives the reply's text; the reply's attachments
// follow, decoded bytes unchanged. A reply without text has its HTML
// carried as a part instead. The batch must hold exactly one item.
func WriteRelay(w io.Writer, b Batch) error {
	a, err := b.check(1)
	if err != nil {
		return fmt.Errorf("write relay: %w", err)
	}
	if len(b.Items) != 1 {
		return fmt.Errorf("write relay: %w: %d items; a relay carries one, a digest several", ErrInvalidBatch, len(b.Items))
	}
	it := b.Items[0]
	r, err := readReply(it.Raw)
	if err != nil {
		return fmt.Errorf("write relay: %w", err)
	}
	var extra []field
	if b.ShowMembers == ShowNameAndAddress {
		extra = append(extra, field{"X-Original-From", originalFrom(it.From)})
	}
	h := b.header(a, b.fromName(&it), b.relaySubject(&it, &r), extra...)
	body := []byte(b.relayText(&it, &r))
	if err := writeRelayBody(w, h, body, r.shown(), b.messageID()); err != nil {
		return fmt.Errorf("write relay: %w", err)
	}
	return nil
}

// relayFromName is "Name via Caucus", as forwarded copies are rewritten.
func relayFromName(it *Item) string {
	name, address := it.answerer()
	if name == "" {
		name = address
	}
	if name == "" {
		return it.caucusName()
	}
	return name + " via " + it.caucusName()
}

// originalFrom formats the answerer's From for X-Original-From, through
// the address formatter when it parses, so that nothing raw is copied.
func originalFrom(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return (&mail.Address{Name: cleanText(a.Name), Address: a.Address}).String()
	}
	return cleanText(from)
}

func (b *Batch) relaySubject(it *Item, r *reply) string {
	if strings.TrimSpace(b.InvitationSubject) != "" {
		return replySubject(b.InvitationSubject)
	}
	if strings.TrimSpace(r.Subject) != "" {
		return cleanText(r.Subject)
	}
	return "Reply from the " + it.caucusName()
}

// relayText is the text part: who answered for which caucus, the reply,
// and where an answer goes.
func (b *Batch) relayText(it *Item, r *reply) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s answered for the %s:\n\n", b.who(it), it.caucusName())
	s.WriteString(b.shownText(r))
	s.WriteString("\n-- \n")
	if b.ReplyTo != "" {
		fmt.Fprintf(&s, "Relayed by caucusgate. Your answer to this message goes to the %s.\n", it.caucusName())
	} else {
		s.WriteString("Relayed by caucusgate.\n")
	}
	return s.String()
}

// shownText is a reply's text as a relay or digest shows it.
func (b *Batch) shownText(r *reply) string {
	text := r.Text
	if b.StripQuotes {
		text = StripQuotes(text)
	}
	text = strings.Trim(text, "\n")
	if strings.TrimSpace(text) == "" {
		return "(This reply has no plain text; see the attached parts.)\n"
	}
	return text + "\n"
}

// writeRelayBody writes the text alone, or the text and the reply's parts
// as multipart/mixed.
func writeRelayBody(w io.Writer, fields []field, text []byte, parts []attachment, msgID string) error {
	if len(parts) == 0 {
		return writeSingle(w, ordered(append(fields, textFields()...)), text)
	}
	ct := field{"Content-Type", `multipart/mixed; boundary="` + boundary(msgID) + `"`}
	mw, err := message.CreateWriter(w, ordered(append(fields, ct)))
	if err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	if err := writePart(mw, ordered(textFields()), text); err != nil {
		return err
	}
	for _, p := range parts {
		if err := writePart(mw, partHeader(p.Header), p.Body); err != nil {
			return err
		}
	}
	return mw.Close()
}

// partHeader keeps what describes a part and re-encodes it in base64: the
// part was decoded when read.
func partHeader(orig message.Header) message.Header {
	fields := []field{{"Content-Type", "application/octet-stream"}}
	if v := orig.Get("Content-Type"); v != "" {
		fields[0].value = cleanText(v)
	}
	for _, key := range []string{"Content-Disposition", "Content-Id", "Content-Description"} {
		fields = append(fields, field{key, cleanText(orig.Get(key))})
	}
	return ordered(append(fields, field{"Content-Transfer-Encoding", "base64"}))
}
