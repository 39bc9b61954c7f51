package rules

import (
	"fmt"
	"strings"
)

// Trace is every check a decision made, in order, matched or not and why. It
// is stored with the message, and printed by `caucusgate test`.
type Trace struct {
	Guards []Step     `json:"guards,omitempty"` // the never-forwarded checks
	Tag    *TagTrace  `json:"tag,omitempty"`    // the subject tag, when there is one
	Rules  RuleTraces `json:"rules,omitzero"`
}

// Step is one evaluated condition: what was tested, whether it held, why.
// Nested conditions (any, all, not) carry their own steps.
type Step struct {
	What    string `json:"what"`
	Matched bool   `json:"matched"`
	Why     string `json:"why,omitempty"`
	Steps   []Step `json:"steps,omitempty"`
}

// RuleTrace is one rule's evaluation.
type RuleTrace struct {
	Rule    string `json:"rule"`
	Matched bool   `json:"matched"`
	Steps   []Step `json:"steps,omitempty"`
	Action  string `json:"action,omitempty"`  // what the rule did when it matched
	Skipped string `json:"skipped,omitempty"` // why it was not evaluated
}

// TagTrace is what the subject tag said and what came of it.
type TagTrace struct {
	Text       string   `json:"text"`     // the tag as written
	Names      []string `json:"names"`    // every name in it
	Caucuses   []string `json:"caucuses"` // what the known names map to
	Unknown    []string `json:"unknown,omitempty"`
	Authorized bool     `json:"authorized"`
	Why        string   `json:"why"`
}

// String renders the trace for a human, one check a line.
func (t Trace) String() string {
	var b strings.Builder
	for _, s := range t.Guards {
		writeStep(&b, "guard", s, 0)
	}
	if t.Tag != nil {
		fmt.Fprintf(&b, "tag %q: %s\n", t.Tag.Text, t.Tag.Why)
	}
	for _, r := range t.Rules.All() {
		writeRule(&b, r)
	}
	return b.String()
}

func writeRule(b *strings.Builder, r RuleTrace) {
	switch {
	case r.Skipped != "":
		fmt.Fprintf(b, "rule %q: skipped: %s\n", r.Rule, r.Skipped)
		return
	case r.Matched:
		fmt.Fprintf(b, "rule %q: matched: %s\n", r.Rule, r.Action)
	default:
		fmt.Fprintf(b, "rule %q: no match\n", r.Rule)
	}
	for _, s := range r.Steps {
		writeStep(b, "", s, 1)
	}
}

func writeStep(b *strings.Builder, prefix string, s Step, depth int) {
	mark := "no "
	if s.Matched {
		mark = "yes"
	}
	b.WriteString(strings.Repeat("  ", depth))
	if prefix != "" {
		b.WriteString(prefix + " ")
	}
	fmt.Fprintf(b, "[%s] %s", mark, s.What)
	if s.Why != "" {
		b.WriteString(": " + s.Why)
	}
	b.WriteByte('\n')
	for _, sub := range s.Steps {
		writeStep(b, "", sub, depth+1)
	}
}
