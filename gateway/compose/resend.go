package compose

import (
	"bytes"
	"fmt"
	"io"
	"time"
)

// writeResend writes the original's body bytes untouched under a rewritten
// header: the list's fields first, then the original's fields less those a
// list server replaces or removes.
func writeResend(w io.Writer, s Spec, o original, body io.Reader) error {
	if s.Reencode {
		return writeReencoded(w, s, o, body)
	}
	var b headerBuf
	writeResendHeader(&b, s, o, "")
	b.Write(o.bodyHead)
	return writeThenCopy(w, b.Bytes(), body)
}

// writeResendHeader writes the copy's header block, with no plus-address of
// the account but the copy's own (see plusScrubber); cte, when set, replaces
// the original's Content-Transfer-Encoding. b must be empty.
func writeResendHeader(b *headerBuf, s Spec, o original, cte string) {
	writeListFields(b, s)
	subjectChanged := writeIdentity(b, s, o)
	for _, f := range o.fields {
		if keepOnResend(s, f, subjectChanged) && !(cte != "" && f.name == "Content-Transfer-Encoding") {
			b.addRaw(f.raw)
		}
	}
	if cte != "" {
		if !o.has("Mime-Version") {
			b.add("MIME-Version", "1.0")
		}
		b.add("Content-Transfer-Encoding", cte)
	}
	scrubbed := newPlusScrubber(s).scrubHeader(b.Bytes())
	b.Reset()
	b.Write(scrubbed)
	b.WriteString("\r\n")
}

// writeReencoded writes a resent copy whose leaf parts holding stray bytes
// are re-encoded. The body is read whole: this is the rare message, and a
// part's header must change before its body is seen to the end.
func writeReencoded(w io.Writer, s Spec, o original, body io.Reader) error {
	rest, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	r, err := reencodeBody(o, rest)
	if err != nil {
		return err
	}
	var b headerBuf
	writeResendHeader(&b, s, o, r.cte)
	return writeThenCopy(w, b.Bytes(), bytes.NewReader(r.body))
}

// writeIdentity writes the fields that say who the copy is from and what
// it is: From, Reply-To, Subject, and the Message-ID and Date an original
// without them lacks. It reports whether it wrote a new Subject.
func writeIdentity(b *headerBuf, s Spec, o original) (subjectChanged bool) {
	if s.rewriteFrom() {
		writeRewrittenFrom(b, s, o)
	}
	if s.ListAddress != "" {
		writeListAddressing(b, s, o)
	}
	if s.ReplyTo != "" {
		b.add("Reply-To", s.ReplyTo)
	}
	if v, ok := subjectValue(s, o); ok {
		b.add("Subject", v)
		subjectChanged = true
	}
	if !o.has("Message-Id") && s.messageID() != "" {
		b.add("Message-ID", "<"+s.messageID()+">")
	}
	if !o.has("Date") && !s.Date.IsZero() {
		b.add("Date", s.Date.Format(time.RFC1123Z))
	}
	return subjectChanged
}

// keepOnResend says whether an original field goes into the resent copy.
func keepOnResend(s Spec, f field, subjectChanged bool) bool {
	switch {
	case droppedAlways(f.name):
		return false
	case f.name == "X-Loop" && f.value() == s.Account:
		return false // written again above, once
	case s.ListAddress != "" && isListAddressing(f.name):
		return false
	case s.rewriteFrom() && (f.name == "From" || f.name == "Sender" || f.name == "X-Original-From"):
		return false
	case subjectChanged && f.name == "Subject":
		return false
	case s.ReplyTo != "" && isReplyDirective(f.name):
		return false
	case (s.rewriteFrom() || subjectChanged || s.Reencode) && isSignature(f.name):
		return false
	}
	return true
}

// droppedAlways lists what a list server removes from every post (Mailman
// 3's cleanse and cook-headers handlers are the reference): the bureau's
// own delivery trace (Delivered-To makes the next MTA see a loop; a message
// in transit has no Return-Path, RFC 5321 4.4), other lists' fields and the
// markers written again above, moderation passwords, receipt requests that
// would tell the sender who is on the list, Errors-To, which sends errors
// around the list, a Bcc that should never have arrived, and the bureau
// provider's Authentication-Results, which only its own host can vouch for
// (RFC 8601 5).
func droppedAlways(name string) bool {
	switch name {
	case "Return-Path", "Delivered-To", "X-Original-To", "Content-Length",
		"List-Id", "List-Post", "List-Help", "List-Subscribe", "List-Unsubscribe",
		"List-Unsubscribe-Post", "List-Owner", "List-Archive", "Archived-At",
		"Precedence", "X-Auto-Response-Suppress", sentForField,
		"Approved", "Approve", "X-Approved", "X-Approve", "Urgent",
		"Return-Receipt-To", "Disposition-Notification-To", "X-Confirm-Reading-To", "X-Pmrqc",
		"Errors-To", "Bcc", "Authentication-Results":
		return true
	}
	return false
}

// isReplyDirective names the fields that say where replies go: the copy's
// Reply-To brings them back to the gateway, which relays them, and these
// would route around it.
func isReplyDirective(name string) bool {
	return name == "Reply-To" || name == "Mail-Reply-To" || name == "Mail-Followup-To"
}

// isSignature names DKIM and ARC fields. Once From or Subject changed they
// cannot verify, and a broken signature scores worse with some filters than
// none; unchanged, they still verify and help the copy through.
func isSignature(name string) bool {
	switch name {
	case "Dkim-Signature", "Domainkey-Signature", "Arc-Seal", "Arc-Message-Signature", "Arc-Authentication-Results":
		return true
	}
	return false
}

// writeThenCopy writes a composed head, then streams the rest of the
// original.
func writeThenCopy(w io.Writer, head []byte, body io.Reader) error {
	if _, err := w.Write(head); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	if _, err := io.Copy(w, body); err != nil {
		return fmt.Errorf("copy body: %w", err)
	}
	return nil
}
