package extract

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// wholeScan is how anchors were found before find tried only the places a
// phrase may open: the regexp unanchored over the whole text.
func wholeScan() func(text string, max int) []match {
	pattern, which := anchorPattern(allPhrases())
	re := regexp.MustCompile(`(?i)` + pattern)
	return func(text string, max int) []match { return scanWith(re, which, text, max) }
}

func scanWith(re *regexp.Regexp, which []anchor, text string, max int) []match {
	var out []match
	for _, m := range re.FindAllStringSubmatchIndex(text, max) {
		for g := 1; g < len(which); g++ {
			if s := m[2*g]; s >= 0 {
				out = append(out, match{anchor: which[g], phrase: text[s:m[2*g+1]], end: m[2*g+1]})
				break
			}
		}
	}
	return out
}

// anchorTexts are texts whose anchors find must find as scanWhole does:
// phrases back to back (the boundary one match takes is not the next's),
// at the start and end, folded letters (long s, Kelvin sign), invalid UTF-8.
var anchorTexts = []string{
	"deadline deadline, deadline",
	"Deadline: 15 January 2027 deadline",
	"DEADLINE;DUE BY;Due on the 3rd",
	"ſubmit your views by 3 March; reſpond by 4 March",
	"the \u212aeynote will be held on 3 March",
	"before the deadlines are due date: 4 May",
	"xdeadline deadlinex deadline_ 1deadline",
	"\xffdeadline\xff 3 March \xc3 avant le 2 mai",
	"Merci de confirmer votre participation avant le 5 mai. La réunion se tiendra le 2 mai.",
	"Enviar sus comentarios a más tardar el 8 de febrero; el plazo de inscripción vence el 1.",
	"respond a b c by, reply by by by",
	"will be held being held to be held held",
	"d'ici le 3 mai, d’ici le 4 mai, jusqu'au 5, jusqu’au 6",
	"a",
	"",
}

func TestFindAsWholeScan(t *testing.T) {
	t.Parallel()
	a, scanWhole := compileAnchors(), wholeScan()
	texts := append(slices.Clone(anchorTexts), longInvitation, digitsInvitation, benchNoDates)
	for _, text := range texts {
		for _, max := range []int{1, 2, maxAnchors} {
			if got, want := a.find(text, max), scanWhole(text, max); !slices.Equal(got, want) {
				t.Errorf("find(%.60q, %d) =\n%v, want\n%v", text, max, got, want)
			}
		}
	}
}

func FuzzFindAsWholeScan(f *testing.F) {
	for _, s := range anchorTexts {
		f.Add(s)
	}
	f.Add(strings.Repeat("due ", 10) + "due by 3 May")
	a, scanWhole := compileAnchors(), wholeScan()
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := a.find(text, maxAnchors), scanWhole(text, maxAnchors); !slices.Equal(got, want) {
			t.Fatalf("find(%q) =\n%v, want\n%v", text, got, want)
		}
	})
}

func TestHasFoldPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text, prefix string
		want         bool
	}{
		{"Deadline: 3 May", "deadline", true},
		{"DEADLINE", "deadline", true},
		{"deadlin", "deadline", false},
		{"ſubmit", "submit", true},
		{"\u212aeynote", "keynote", true},
		{"Échéance", "échéance", true},
		{"d'ici le", "d'ici le", true},
		{"d’ici le", "d'ici le", false},
		{"d@ici", "d'ici", false},
		{"due\tby", "due by", false},
		{"[ue", "{ue", false},
	}
	for _, tc := range tests {
		if got := hasFoldPrefix(tc.text, tc.prefix); got != tc.want {
			t.Errorf("hasFoldPrefix(%q, %q) = %v", tc.text, tc.prefix, got)
		}
	}
}
