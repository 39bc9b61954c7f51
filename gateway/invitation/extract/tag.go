package extract

import (
	"regexp"
	"strings"
	"time"
)

var deadlineTag = regexp.MustCompile(`(?i)\[\s*deadline\s*:?\s*(\d{4}-\d{2}-\d{2})\s*\]`)

// Tag reads a `[deadline: 2027-01-15]` subject tag. The caller decides whether
// the sender may set a deadline (an authenticated bureau member); the date is
// midnight in loc. ok is false when there is no tag or its date is invalid.
func Tag(subject string, loc *time.Location) (d Date, ok bool) {
	m := deadlineTag.FindStringSubmatch(subject)
	if m == nil {
		return Date{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", m[1], loc)
	if err != nil {
		return Date{}, false
	}
	return Date{Time: t, Source: SourceTag, Phrase: m[0]}, true
}

// StripTag removes a deadline tag from a subject, with the space it leaves.
func StripTag(subject string) string {
	out := deadlineTag.ReplaceAllString(subject, "")
	return strings.Join(strings.Fields(out), " ")
}
