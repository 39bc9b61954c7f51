package rules

import (
	"fmt"
	"regexp"
)

// textCond matches a text field against a Go regular expression, unanchored.
type textCond struct {
	what  string
	field func(*Message) []string
	re    *regexp.Regexp
}

func (c textCond) eval(m *Message) Step {
	values := c.field(m)
	for _, v := range values {
		if loc := c.re.FindStringIndex(v); loc != nil {
			return Step{What: c.what, Matched: true, Why: fmt.Sprintf("matched %q", clip(v[loc[0]:loc[1]]))}
		}
	}
	if len(values) == 0 {
		return Step{What: c.what, Why: "absent"}
	}
	return Step{What: c.what, Why: fmt.Sprintf("no match in %q", clip(values[0]))}
}

// clip shortens s for a trace line.
func clip(s string) string {
	const most = 80
	r := []rune(s)
	if len(r) <= most {
		return s
	}
	return string(r[:most]) + "…"
}

func subjectField(m *Message) []string { return []string{m.Subject} }
func bodyField(m *Message) []string    { return nonEmpty(m.Body) }

func headerField(name string) func(*Message) []string {
	return func(m *Message) []string { return m.header(name) }
}
