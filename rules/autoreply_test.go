package rules

import (
	"strings"
	"testing"
)

// TestOutOfOfficePrefixesFitTheRunesRead: outOfOfficeSubject lower-cases
// only a subject's first 32 runes; every prefix must fit in them.
func TestOutOfOfficePrefixesFitTheRunesRead(t *testing.T) {
	for _, p := range outOfOfficePrefixes {
		if len(p) > 32 {
			t.Errorf("prefix %q has %d bytes: read more runes of the subject", p, len(p))
		}
		if _, ok := outOfOfficeSubject("  " + strings.ToUpper(p) + strings.Repeat(" x", 40)); !ok {
			t.Errorf("subject starting with %q is not caught", p)
		}
	}
}
