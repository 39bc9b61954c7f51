package rules

import (
	"fmt"
	"strings"
)

// listIDCond matches the id of a List-Id header (RFC 2919) against a glob.
type listIDCond struct {
	what string
	glob glob
}

func (c listIDCond) eval(x *input) Step {
	values := x.m.header("List-Id")
	for _, v := range values {
		if id := listID(v); c.glob.match(id) {
			return Step{What: c.what, Matched: true, Why: id + " matches"}
		}
	}
	if len(values) == 0 {
		return Step{What: c.what, Why: whyNoListID}
	}
	return Step{What: c.what, Why: whyNoMatch}
}

const whyNoListID = "no List-Id"

func (c listIDCond) staticMisses() []Step {
	return []Step{{What: c.what, Why: whyNoListID}, {What: c.what, Why: whyNoMatch}}
}

func (c *compiler) listIDCond(path, pattern string) (cond, bool) {
	g, err := compileGlob(strings.Trim(strings.TrimSpace(pattern), "<>"))
	if err != nil || strings.TrimSpace(pattern) == "" {
		c.errorf(path, "bad list_id pattern %q: write a list id such as \"*.lists.itu.int\"", pattern)
		return nil, false
	}
	return listIDCond{what: fmt.Sprintf("list_id %q", pattern), glob: g}, true
}

// attachmentCond matches when one attachment's file name (a glob such as
// *.pdf) or media type (a glob with a slash, such as application/pdf or
// image/*) matches.
type attachmentCond struct {
	what   string
	byType bool
	glob   glob
}

func (c attachmentCond) eval(x *input) Step {
	m := x.m
	for _, a := range m.Attachments {
		v := a.Filename
		if c.byType {
			v = a.ContentType
		}
		if c.glob.match(v) {
			return Step{What: c.what, Matched: true, Why: fmt.Sprintf("%q matches", v)}
		}
	}
	return Step{What: c.what, Why: x.why("attachments", nil, func([]string) string {
		return fmt.Sprintf("none of %d attachments matches", len(m.Attachments))
	})}
}

func (c *compiler) attachmentCond(path, pattern string) (cond, bool) {
	p := strings.TrimSpace(pattern)
	g, err := compileGlob(p)
	if err != nil || p == "" {
		c.errorf(path, "bad attachment pattern %q: write a file name glob such as \"*.pdf\" or a media type such as \"application/pdf\"", pattern)
		return nil, false
	}
	return attachmentCond{what: fmt.Sprintf("attachment %q", pattern), byType: strings.Contains(p, "/"), glob: g}, true
}

// sizeCond compares the message size with a bound: "> 5MiB", "<= 100KiB".
type sizeCond struct {
	what    string
	greater bool
	orEqual bool
	bound   int64
}

func (c sizeCond) eval(x *input) Step {
	m := x.m
	ok := m.Size > c.bound || (c.orEqual && m.Size == c.bound)
	if !c.greater {
		ok = m.Size < c.bound || (c.orEqual && m.Size == c.bound)
	}
	return Step{What: c.what, Matched: ok, Why: x.why("size", nil, func([]string) string { return fmt.Sprintf("size %d bytes", m.Size) })}
}

func (c *compiler) sizeCond(path, expr string) (cond, bool) {
	s := strings.TrimSpace(expr)
	sc := sizeCond{what: "size " + s}
	switch {
	case strings.HasPrefix(s, ">"):
		sc.greater, s = true, s[1:]
	case strings.HasPrefix(s, "<"):
		s = s[1:]
	default:
		c.errorf(path, "bad size condition %q: write \"> 5MiB\" or \"< 100KiB\"", expr)
		return nil, false
	}
	if rest, ok := strings.CutPrefix(s, "="); ok {
		sc.orEqual, s = true, rest
	}
	n, err := parseByteSize(s)
	if err != nil {
		c.errorf(path, "bad size condition %q: %v", expr, err)
		return nil, false
	}
	sc.bound = n
	return sc, true
}
