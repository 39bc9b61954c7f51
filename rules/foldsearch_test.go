package rules

import (
	"strings"
	"testing"
)

// FuzzIndexFoldASCII: the first place of a literal ignoring ASCII case is
// where it is in the text lower-cased byte by byte, whatever the text.
func FuzzIndexFoldASCII(f *testing.F) {
	for _, c := range [][2]string{
		{"Invitation to a CONSULTATION", "consultation"}, {"Mailer252 1.0", "mailer25"}, {"kEYWORD254 keyword25", "keyword25"},
		{"topic-2 TOPIC-252", "topic-25"}, {"", "a"}, {"a", ""}, {"thème8 Théme", "me"}, {"\u212Aeyword", "keyword"}, {"xX", "x"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, s, lit string) {
		lit = string(lowerASCII(nil, lit))
		if !isPlainASCII(lit) {
			return
		}
		want := strings.Index(string(lowerASCII(nil, s)), lit)
		if got := indexFoldASCII(s, lit); got != want {
			t.Fatalf("indexFoldASCII(%q, %q) = %d, want %d", s, lit, got, want)
		}
	})
}
