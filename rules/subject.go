package rules

import (
	"strings"

	"caucusgate/internal/rfc2047"
)

// decodeSubject decodes an RFC 2047 header value with the project's one
// decoder, which joins words split inside a character or a tag.
func decodeSubject(raw string) string {
	s, _ := rfc2047.Decode(raw)
	return s
}

// subjectOf returns the subject tags are read in: the raw header decoded
// here when the gateway passed it, else the gateway's decoded subject.
func subjectOf(m *Message) string {
	if m.RawSubject != "" {
		return decodeSubject(unfold(m.RawSubject))
	}
	return m.Subject
}

// unfold joins a folded header value (RFC 5322 section 2.2.3).
func unfold(v string) string {
	return strings.NewReplacer("\r\n", "", "\n", "").Replace(v)
}
