package rfc2047

import (
	"errors"
	"mime"
	"testing"
	"unicode/utf8"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name, raw, want string
		unknown         bool
	}{
		{"plain", "Invitation", "Invitation", false},
		{"q utf-8", "=?UTF-8?Q?G=C3=A9nero?=", "Género", false},
		{"utf-8 split inside a character", "=?UTF-8?Q?[caucus:_g=C3?= =?UTF-8?Q?=A9nero]?=", "[caucus: género]", false},
		{"shift_jis split inside a character", "=?shift_jis?B?k/qW?= =?shift_jis?B?ew==?=", "日本", false},
		{"iso-8859-1", "=?iso-8859-1?q?caf=E9?= ok", "café ok", false},
		{"text between words kept", "=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c", false},
		{"folding between words dropped", "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab", false},
		{"unpadded base64", "=?utf-8?b?w6k?=", "é", false},
		{"malformed word kept", "=?utf-8?x?abc?=", "=?utf-8?x?abc?=", false},
		{"unknown charset", "=?x-nowhere?q?abc?=", "abc", true},
	}
	for _, tt := range tests {
		got, err := Decode(tt.raw)
		if got != tt.want || errors.Is(err, ErrUnknownCharset) != tt.unknown {
			t.Errorf("%s: Decode(%q) = %q, %v; want %q (unknown charset %v)", tt.name, tt.raw, got, err, tt.want, tt.unknown)
		}
	}
}

// FuzzDecode: the result is UTF-8 whenever the input is, and every encoded
// word Go's encoder writes decodes back to its text.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"=?UTF-8?Q?[caucus:_g=C3?= =?UTF-8?Q?=A9nero]?=", "=?shift_jis?B?k/qW?= =?shift_jis?B?ew==?=", "a =?x?q?=?= b", "日本"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _ := Decode(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Decode(%q) = %q, not UTF-8", s, got)
		}
		if !utf8.ValidString(s) {
			return
		}
		for _, enc := range []string{mime.QEncoding.Encode("utf-8", s), mime.BEncoding.Encode("utf-8", s)} {
			if enc == s {
				continue // plain ASCII: nothing was encoded
			}
			if back, err := Decode(enc); err != nil || back != s {
				t.Fatalf("%q encoded as %q decodes to %q, %v", s, enc, back, err)
			}
		}
	})
}
