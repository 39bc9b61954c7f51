package schedule

import (
	"testing"
	"time"
)

// mustParse parses a spec or fails the test.
func mustParse(t testing.TB, spec string) *Schedule {
	t.Helper()
	s, err := Parse(spec)
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	return s
}

// at parses an RFC 3339 instant or fails the test.
func at(t testing.TB, text string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, text)
	if err != nil {
		t.Fatalf("bad instant %q: %v", text, err)
	}
	return v
}

// slots returns the n slots that follow from, formatted with their offsets.
func slots(s *Schedule, from time.Time, n int) []string {
	var out []string
	for range n {
		from = s.Next(from)
		out = append(out, from.Format(time.RFC3339))
	}
	return out
}
