package typo

import "testing"

func TestClosest(t *testing.T) {
	for _, c := range []struct {
		word  string
		cands []string
		want  string
		ok    bool
	}{
		{"form", []string{"from", "to", "subject"}, "from", true},
		{"subjetc", []string{"from", "subject"}, "subject", true},
		{"educaton", []string{"gender", "education"}, "education", true},
		{"xyz", []string{"gender", "education"}, "", false},
		{"a", nil, "", false},
	} {
		got, ok := Closest(c.word, c.cands)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", c.word, got, ok, c.want, c.ok)
		}
	}
}
