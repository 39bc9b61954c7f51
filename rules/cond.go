package rules

import (
	"fmt"
)

// cond is one compiled condition of a `when` block.
type cond interface {
	eval(x *input) Step
}

// allOf matches when every condition matches; it stops at the first that
// does not, which is the one the trace needs to explain a miss.
type allOf struct {
	what  string
	conds []cond
}

func (a allOf) eval(x *input) Step {
	st := Step{What: a.what, Matched: true, Steps: make([]Step, 0, len(a.conds))}
	for _, c := range a.conds {
		sub := c.eval(x)
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

func (a anyOf) eval(x *input) Step {
	st := Step{What: "any", Steps: make([]Step, 0, len(a.conds))}
	for _, c := range a.conds {
		sub := c.eval(x)
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

func (n notOf) eval(x *input) Step {
	sub := n.inner.eval(x)
	return Step{What: "not", Matched: !sub.Matched, Steps: []Step{sub}}
}

// addressCond matches an address field against a glob; a list field (To,
// Cc) matches when one of its addresses does.
type addressCond struct {
	what  string
	field func(*Message) []string
	glob  glob
}

func (c addressCond) eval(x *input) Step {
	values := c.field(x.m)
	for _, v := range values {
		if c.glob.match(v) {
			return Step{What: c.what, Matched: true, Why: v + " matches"}
		}
	}
	if len(values) == 0 {
		return Step{What: c.what, Why: "no address"}
	}
	if len(values) == 1 {
		return Step{What: c.what, Why: values[0] + " does not match"}
	}
	return Step{What: c.what, Why: fmt.Sprintf("none of %d addresses matches", len(values))}
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
