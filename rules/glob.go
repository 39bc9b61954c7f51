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
	// The common shapes skip the regexp: exact ("a@b.org"), suffix
	// ("*@b.org"), prefix ("news@*"); set for ASCII patterns only, where
	// byte-wise folding agrees with regexp's (?i).
	kind  globKind
	fixed string
}

type globKind int

const (
	globRegexp globKind = iota
	globExact
	globSuffix
	globPrefix
)

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
	g := glob{text: pattern, re: regexp.MustCompile(b.String())}
	g.kind, g.fixed = globShape(pattern)
	return g, nil
}

func globShape(p string) (globKind, string) {
	if !isPlainASCII(p) || strings.ContainsRune(p, '?') {
		return globRegexp, ""
	}
	switch n := strings.Count(p, "*"); {
	case n == 0:
		return globExact, p
	case n == 1 && strings.HasPrefix(p, "*"):
		return globSuffix, p[1:]
	case n == 1 && strings.HasSuffix(p, "*"):
		return globPrefix, p[:len(p)-1]
	}
	return globRegexp, ""
}

func (g glob) match(s string) bool {
	if g.kind == globRegexp || hasFoldSpecial(s) {
		return g.re.MatchString(s)
	}
	switch g.kind {
	case globExact:
		return strings.EqualFold(s, g.fixed)
	case globSuffix:
		return len(s) >= len(g.fixed) && strings.EqualFold(s[len(s)-len(g.fixed):], g.fixed)
	case globPrefix:
		return len(s) >= len(g.fixed) && strings.EqualFold(s[:len(g.fixed)], g.fixed)
	}
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
