package token

import (
	"encoding/base32"
	"encoding/binary"
	"time"
)

// alphabet is RFC 4648 base32 in lower case: MTAs and mailbox servers often
// lower-case local parts, and digits 0, 1, 8 and 9 are left out so that a
// token read aloud or retyped is not misread.
const alphabet = "abcdefghijklmnopqrstuvwxyz234567"

var encoding = base32.NewEncoding(alphabet).WithPadding(base32.NoPadding)

const (
	// macLen is the truncated HMAC length: 80 bits leave an online forger,
	// who must send one mail per guess, no chance.
	macLen = 10
	// MaxExtra is the longest Token.Extra that Seal accepts.
	MaxExtra = 1024
	// maxLen bounds what Open decodes: the longest token Seal makes.
	maxLen = (1+2*binary.MaxVarintLen64+MaxExtra+macLen)*8/5 + 1
	// minLen is the shortest token Seal makes: kind, one-byte id and day, MAC.
	minLen = (3 + macLen) * 8 / 5
	// maxDay keeps Expires far from time.Time's overflow (about 2,870 years).
	maxDay = 1 << 20
)

// epoch is day 1 of the expiry count; day 0 means "never expires". Counting
// from 2024 rather than 1970 keeps the day in two varint bytes until 2068.
var epoch = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// dayOf is the number of the first midnight at or after t, at least 1.
func dayOf(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	d := t.Sub(epoch)
	days := int64(d / (24 * time.Hour))
	if d%(24*time.Hour) > 0 {
		days++
	}
	return uint64(min(max(days, 1), maxDay))
}

// timeOf is the inverse of dayOf.
func timeOf(day uint64) time.Time {
	if day == 0 {
		return time.Time{}
	}
	return epoch.Add(time.Duration(day) * 24 * time.Hour)
}

// appendPayload appends the signed part of t: kind, id, day, extra.
func appendPayload(b []byte, t Token) []byte {
	b = append(b, byte(t.Kind))
	b = binary.AppendUvarint(b, uint64(t.ID))
	b = binary.AppendUvarint(b, dayOf(t.Expires))
	return append(b, t.Extra...)
}

// parsePayload reads what appendPayload wrote; ok is false on malformed input.
func parsePayload(b []byte) (Token, bool) {
	if len(b) < 3 {
		return Token{}, false
	}
	t := Token{Kind: Kind(b[0])}
	id, n := binary.Uvarint(b[1:])
	if n <= 0 {
		return Token{}, false
	}
	rest := b[1+n:]
	day, n := binary.Uvarint(rest)
	if n <= 0 || day > maxDay {
		return Token{}, false
	}
	t.ID = int64(id)
	t.Expires = timeOf(day)
	t.Extra = string(rest[n:])
	return t, true
}

// decode turns canonical lower- or upper-case base32 into bytes. Any other
// spelling of the same bytes (trailing bits set, line breaks, which Go's
// decoder skips) is refused, so each token has exactly one accepted form.
func decode(s string) ([]byte, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return nil, false
	}
	lower := asciiLower(s)
	b, err := encoding.DecodeString(lower)
	if err != nil || encoding.EncodeToString(b) != lower {
		return nil, false
	}
	return b, true
}

// asciiLower lower-cases A-Z only: strings.ToLower would also fold non-ASCII
// letters, which no token contains.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}
