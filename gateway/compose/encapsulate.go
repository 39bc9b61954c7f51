package compose

import (
	"crypto/rand"
	"fmt"
	"io"
	"time"
)

// writeEncapsulate writes a multipart/mixed copy from the gateway: a cover
// note, then the original as message/rfc822 with every byte as it came, so
// that its DKIM signatures still verify for whoever checks them (Mailman 3's
// "wrap message" DMARC mitigation does the same).
//
// The original part is labelled 8bit: it is always true of its octets
// unless a line exceeds 998 bytes, and it cannot be known before the whole
// body has streamed past.
func writeEncapsulate(w io.Writer, s Spec, o original, body io.Reader) error {
	boundary := s.Boundary
	if boundary == "" {
		boundary = "caucusgate=_" + rand.Text()
	}
	var outer, b headerBuf
	writeOuterHeader(&outer, s, o, boundary)
	b.Write(newPlusScrubber(s).scrubHeader(outer.Bytes()))
	b.WriteString("\r\n--" + boundary + "\r\n")
	writeCoverPart(&b, s, o)
	b.WriteString("\r\n--" + boundary + "\r\n")
	b.add("Content-Type", "message/rfc822")
	b.add("Content-Disposition", "inline")
	b.add("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	b.Write(o.raw)
	if err := writeThenCopy(w, b.Bytes(), body); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\r\n--"+boundary+"--\r\n"); err != nil {
		return fmt.Errorf("write closing boundary: %w", err)
	}
	return nil
}

// writeOuterHeader writes the header of the gateway's message around the
// original: the list's fields, From the gateway, and the original's
// addressing and threading fields so that the copy reads and threads as the
// original does. The caller removes the account's plus-addresses from it
// (see plusScrubber).
func writeOuterHeader(b *headerBuf, s Spec, o original, boundary string) {
	writeListFields(b, s)
	writeRewrittenFrom(b, s, o)
	writeOuterReplyTo(b, s, o)
	if s.ListAddress != "" {
		writeListAddressing(b, s, o)
	} else {
		copyFields(b, o, "To", "Cc")
	}
	if v, ok := subjectValue(s, o); ok {
		b.add("Subject", v)
	} else {
		copyFields(b, o, "Subject")
	}
	if !s.Date.IsZero() {
		b.add("Date", s.Date.Format(time.RFC1123Z))
	} else {
		copyFields(b, o, "Date")
	}
	if o.has("Message-Id") {
		copyFields(b, o, "Message-Id")
	} else if s.messageID() != "" {
		b.add("Message-ID", "<"+s.messageID()+">")
	}
	copyFields(b, o, "In-Reply-To", "References")
	b.add("MIME-Version", "1.0")
	b.add("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
}

// writeOuterReplyTo points replies at the gateway's token address, else
// where the original points them: the outer From is the gateway's, and a
// reply to it would reach the bureau rather than the sender.
func writeOuterReplyTo(b *headerBuf, s Spec, o original) {
	switch {
	case s.ReplyTo != "":
		b.add("Reply-To", s.ReplyTo)
	case o.has("Reply-To"):
		copyFields(b, o, "Reply-To")
	default:
		if f, ok := o.first("From"); ok {
			writeRenamed(b, f, "Reply-To")
		}
	}
}

func copyFields(b *headerBuf, o original, names ...string) {
	for _, f := range o.fields {
		for _, n := range names {
			if f.name == n {
				b.addRaw(f.raw)
			}
		}
	}
}

// writeCoverPart writes the cover note as a text/plain part.
func writeCoverPart(b *headerBuf, s Spec, o original) {
	b.add("Content-Type", "text/plain; charset=utf-8")
	b.add("Content-Disposition", "inline")
	b.add("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	writeQuotedPrintable(&b.Buffer, coverText(s, o))
}
