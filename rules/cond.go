package rules

import (
	"fmt"
	"strings"
)

// cond is one compiled condition of a `when` block.
type cond interface {
	eval(m *Message) Step
}

// allOf matches when every condition matches; it stops at the first that
// does not, which is the one the trace needs to explain a miss.
type allOf struct {
	what  string
	conds []cond
}

func (a allOf) eval(m *Message) Step {
	st := Step{What: a.what, Matched: true, Steps: make([]Step, 0, len(a.conds))}
	for _, c := range a.conds {
		sub := c.eval(m)
		st.Steps = append(st.Steps, sub)
		if !sub.Matched {
			st.Matched = false
			break
		}
	}
	return st
}

// anyOf matches when one condition matches; it stops at the first that does.
type anyOf struct {
	conds []cond
}

func (a anyOf) eval(m *Message) Step {
	st := Step{What: "any", Steps: make([]Step, 0, len(a.conds))}
	for _, c := range a.conds {
		sub := c.eval(m)
		st.Steps = append(st.Steps, sub)
		if sub.Matched {
			st.Matched = true
			break
		}
	}
	return st
}

type notOf struct {
	inner cond
}

func (n notOf) eval(m *Message) Step {
	sub := n.inner.eval(m)
	return Step{What: "not", Matched: !sub.Matched, Steps: []Step{sub}}
}

// addressCond matches an address field against a glob; a list field (To,
// Cc) matches when one of its addresses does.
type addressCond struct {
	what  string
	field func(*Message) []string
	glob  glob
}

func (c addressCond) eval(m *Message) Step {
	values := c.field(m)
	for _, v := range values {
		if c.glob.match(v) {
			return Step{What: c.what, Matched: true, Why: fmt.Sprintf("%q matches", v)}
		}
	}
	if len(values) == 0 {
		return Step{What: c.what, Why: "no address"}
	}
	return Step{What: c.what, Why: fmt.Sprintf("%s does not match", quoteList(values))}
}

func quoteList(values []string) string {
	const most = 3
	q := make([]string, 0, min(len(values), most))
	for _, v := range values[:min(len(values), most)] {
		q = append(q, fmt.Sprintf("%q", v))
	}
	if len(values) > most {
		q = append(q, fmt.Sprintf("and %d more", len(values)-most))
	}
	return strings.Join(q, ", ")
}

func fromField(m *Message) []string { return nonEmpty(m.From) }
func toField(m *Message) []string   { return m.To }
func ccField(m *Message) []string   { return m.Cc }

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
