package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"time"
)

// writeRedirect prepends a block of Resent-* fields (RFC 5322 3.6.6) and the
// gateway's X-Loop to the original, and changes nothing else beyond what any
// relay must: Return-Path goes (RFC 5321 4.4), and an original without a
// Message-ID gets the Spec's. X-Loop is not in RFC 5322's list, but without
// it a redirected copy coming back through a caucus list would be sent on
// again.
func writeRedirect(w io.Writer, s Spec, o original, body io.Reader) error {
	var b headerBuf
	b.add("Resent-From", s.Account)
	b.add("Resent-To", s.Recipient)
	b.add("Resent-Date", s.Date.Format(time.RFC1123Z))
	b.add("Resent-Message-ID", "<"+resentMessageID(s, o)+">")
	b.add("X-Loop", s.Account)
	if !o.has("Message-Id") && s.messageID() != "" {
		b.add("Message-ID", "<"+s.messageID()+">")
	}
	for _, f := range o.fields {
		if f.name != "Return-Path" {
			b.addRaw(f.raw)
		}
	}
	b.WriteString("\r\n")
	b.Write(o.bodyHead)
	return writeThenCopy(w, b.Bytes(), body)
}

// resentMessageID derives the Resent-Message-ID from what identifies this
// redirection, so that every retry of it carries the same one.
func resentMessageID(s Spec, o original) string {
	h := sha256.New()
	for _, part := range []string{o.get("Message-Id"), s.messageID(), s.Caucus, s.Recipient, strconv.FormatInt(s.Date.Unix(), 10)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:12]) + ".resent@" + domainOf(s.Account)
}
