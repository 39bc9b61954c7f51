package trust

import (
	"strings"
)

// Field is one header field as it arrived: its name as written and its
// value, unfolded, undecoded.
type Field struct {
	Name, Value string
}

// ParseField splits one raw header field ("Name: value", folded or not,
// with or without its line ending) into a Field. It reports false for a
// line with no colon or an empty name.
func ParseField(raw string) (Field, bool) {
	name, value, ok := strings.Cut(raw, ":")
	name = strings.TrimRight(name, " \t")
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return Field{}, false
	}
	return Field{Name: name, Value: unfold(value)}, true
}

// ParseHeader splits a header block (up to its first empty line) into
// fields, top first. Lines that are not fields are skipped.
func ParseHeader(header string) []Field {
	var fields []Field
	var cur strings.Builder
	flush := func() {
		if f, ok := ParseField(cur.String()); ok {
			fields = append(fields, f)
		}
		cur.Reset()
	}
	for line := range strings.Lines(header) {
		trimmed := strings.TrimRight(line, "\r\n")
		if trimmed == "" {
			break
		}
		if trimmed[0] != ' ' && trimmed[0] != '\t' {
			flush()
		}
		cur.WriteString(line)
	}
	flush()
	return fields
}

// unfold joins a folded value's lines (RFC 5322 section 2.2.3) and trims it.
func unfold(v string) string {
	if !strings.ContainsAny(v, "\r\n") {
		return strings.TrimSpace(v)
	}
	v = strings.NewReplacer("\r\n", "", "\n", "", "\r", "").Replace(v)
	return strings.TrimSpace(v)
}

// is reports whether the field is named name, ignoring case.
func (f Field) is(name string) bool {
	return strings.EqualFold(f.Name, name)
}

// traceNames are the fields receiving servers and their filters prepend
// above their own Authentication-Results, or above the fields of the
// server that received the message before: passing over them cannot reach
// a field the sender wrote, since the sender's header is below them all.
var traceNames = map[string]bool{
	"received": true, "return-path": true, "delivered-to": true, "x-received": true,
	"received-spf": true, "x-original-to": true, "x-delivered-to": true,
	// Gmail
	"x-google-smtp-source": true,
	// Fastmail (Cyrus and its LMTP proxy)
	"x-cyrus-session-id": true, "x-sieve": true, "x-resolved-to": true, "x-mail-from": true,
	// Dovecot's Sieve, Amavis and friends on self-hosted servers
	"x-virus-scanned": true,
}

// tracePrefixes are families of such fields: ARC sets (RFC 8617), and the
// scores spam filters prepend (SpamAssassin, rspamd, Fastmail's).
var tracePrefixes = []string{"arc-", "x-spam-", "x-spamd-", "x-rspamd-", "x-me-"}

// isTrace reports whether a field is one a receiving server prepends.
func isTrace(name string) bool {
	n := strings.ToLower(name)
	if traceNames[n] {
		return true
	}
	for _, p := range tracePrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}
