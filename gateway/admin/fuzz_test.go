package admin

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestCleanReason(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  off topic  ", "off topic"},
		{"spam\r\nBcc: x@example.org", "spam Bcc: x@example.org"},
		{"a\tb\x00c\u2028d", "a b c d"},
		{"déjà vu", "déjà vu"},
		{strings.Repeat("é", 600), strings.Repeat("é", 500)}, // 1200 bytes cut at 1000, on a rune boundary
	}
	for _, tt := range tests {
		if got := cleanReason(tt.in); got != tt.want {
			t.Errorf("cleanReason(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCleanReason(f *testing.F) {
	for _, s := range []string{"", "off topic", "a\r\nb", strings.Repeat("ü", 700), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := cleanReason(in)
		if len(out) > maxReason {
			t.Errorf("%d bytes, over the limit", len(out))
		}
		if strings.ContainsFunc(out, unicode.IsControl) || strings.ContainsAny(out, "\r\n") {
			t.Errorf("control character survived: %q", out)
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Errorf("valid UTF-8 in, invalid out: %q", out)
		}
		if out != strings.TrimSpace(out) {
			t.Errorf("untrimmed: %q", out)
		}
	})
}

// FuzzCSRF checks that no string but the token issued accepts, whatever
// the attacker sends, and that parsing never panics.
func FuzzCSRF(f *testing.F) {
	c := csrf{key: testKey, now: func() time.Time { return testNow }}
	good := c.token(testUser)
	for _, s := range []string{"", ".", good, good + "x", "498804.", "-1.abc", "9223372036854775807.x", "1.2.3", "+" + good, "0" + good} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if c.valid(testUser, tok) && tok != good {
			t.Errorf("forged token %q accepted", tok)
		}
	})
}
