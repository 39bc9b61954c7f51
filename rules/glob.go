package rules

import (
	"fmt"
	"regexp"
	"strings"
)

// glob is a compiled wildcard pattern: * matches any run of characters, ?
// one character; matching ignores case. A pattern without wildcards matches
// exactly, ignoring case.
type glob struct {
	text string
	re   *regexp.Regexp
}

func compileGlob(pattern string) (glob, error) {
	if strings.ContainsAny(pattern, "\r\n") {
		return glob{}, fmt.Errorf("bad pattern %q: it holds a line break", pattern)
	}
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return glob{text: pattern, re: regexp.MustCompile(b.String())}, nil
}

func (g glob) match(s string) bool {
	return g.re.MatchString(s)
}

// compileAddressGlob compiles a glob that must match email addresses: it
// needs an @ (or is a lone *), which catches the common `itu.int` meant as
// `*@itu.int`.
func compileAddressGlob(pattern string) (glob, error) {
	p := strings.TrimSpace(pattern)
	switch {
	case p == "":
		return glob{}, fmt.Errorf("empty address pattern")
	case p != "*" && !strings.Contains(p, "@"):
		return glob{}, fmt.Errorf("bad address pattern %q: it has no @; to match a whole domain write \"*@%s\"", pattern, strings.TrimPrefix(p, "*"))
	case strings.ContainsAny(p, " <>,;\""):
		return glob{}, fmt.Errorf("bad address pattern %q: write a bare address such as \"*@itu.int\", without names, brackets or commas", pattern)
	}
	return compileGlob(p)
}
