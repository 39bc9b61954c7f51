package rules

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// chainNormalized is normalizeName as it was written with a transform
// chain: the fast form must agree with it.
func chainNormalized(s string) string {
	s = strings.TrimSpace(s)
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Género", " thème8 ", "GENERO", "Ångström", "e\u0301te\u0301", "ﬁ", "Κόσμος", "\u212Aelvin", "a\u0308\u0323", "\xff\xfe", "日本語", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := normalizeName(s), chainNormalized(s); got != want {
			t.Errorf("normalizeName(%q) = %q, the chain gives %q", s, got, want)
		}
	})
}
