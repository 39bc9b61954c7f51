package trust

import (
	"errors"
	"strings"
)

// Results is one Authentication-Results field (RFC 8601 section 2.2).
type Results struct {
	// Authserv is the authserv-id, lower-cased; "" for Microsoft 365's
	// fields, which carry none.
	Authserv string
	Results  []Result
}

// Result is one resinfo: a method's result and its properties.
type Result struct {
	Method string            // dkim, spf, dmarc, ... lower-cased, without a version
	Value  string            // pass, fail, none, ... lower-cased
	Props  map[string]string // "header.d", "smtp.mailfrom", "reason", "action": as written
}

var errUnterminated = errors.New("unterminated comment or quoted string")

// ParseResults reads an Authentication-Results value. It is tolerant where
// real providers are sloppy: a value that starts with a result rather than
// an authserv-id is Microsoft 365's form (Authserv ""), resinfos that are
// not method=result are skipped, and whitespace around "=" is allowed.
// Comments are dropped. It fails only on unbalanced comments or quotes.
func ParseResults(value string) (Results, error) {
	s, err := stripComments(value)
	if err != nil {
		return Results{}, err
	}
	parts := splitQuoted(s, ';')
	var r Results
	first := strings.TrimSpace(parts[0])
	if strings.Contains(first, "=") {
		r.Results = appendResult(r.Results, first)
	} else if words := strings.Fields(first); len(words) > 0 {
		r.Authserv = strings.ToLower(words[0])
	}
	for _, p := range parts[1:] {
		r.Results = appendResult(r.Results, p)
	}
	return r, nil
}

// appendResult parses one resinfo and appends it when it is one.
func appendResult(list []Result, resinfo string) []Result {
	words := splitQuoted(joinEquals(strings.TrimSpace(resinfo)), ' ')
	var res Result
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			continue
		}
		if res.Method == "" {
			method, _, _ := strings.Cut(strings.ToLower(k), "/")
			res.Method, res.Value = method, strings.ToLower(unquote(v))
			continue
		}
		if res.Props == nil {
			res.Props = map[string]string{}
		}
		k = strings.ToLower(k)
		if _, dup := res.Props[k]; !dup {
			res.Props[k] = unquote(v)
		}
	}
	if res.Method == "" || res.Value == "" {
		return list
	}
	return append(list, res)
}

// stripComments removes RFC 5322 comments, nested, outside quoted strings.
func stripComments(s string) (string, error) {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, c := range s {
		switch {
		case escaped:
			escaped = false
		case c == '\\' && (quoted || depth > 0):
			escaped = true
		case c == '"' && depth == 0:
			quoted = !quoted
		case c == '(' && !quoted:
			depth++
			continue
		case c == ')' && !quoted && depth > 0:
			depth--
			if depth == 0 {
				c = ' '
			}
		}
		if depth == 0 {
			b.WriteRune(c)
		}
	}
	if depth > 0 || quoted {
		return "", errUnterminated
	}
	return b.String(), nil
}

// splitQuoted splits s at sep outside quoted strings; a space separator
// splits at runs of blanks and drops empty words.
func splitQuoted(s string, sep rune) []string {
	var parts []string
	start, quoted, escaped := 0, false, false
	for i, c := range s {
		switch {
		case escaped:
			escaped = false
		case c == '\\' && quoted:
			escaped = true
		case c == '"':
			quoted = !quoted
		case !quoted && (c == sep || sep == ' ' && (c == '\t' || c == '\r' || c == '\n')):
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	parts = append(parts, s[start:])
	if sep != ' ' {
		return parts
	}
	words := parts[:0]
	for _, p := range parts {
		if p != "" {
			words = append(words, p)
		}
	}
	return words
}

// joinEquals removes blanks around "=" outside quoted strings, so that
// "dkim = pass" reads as one word.
func joinEquals(s string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	var b strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' {
			quoted = !quoted
		}
		if !quoted && isBlank(c) && (nextNonBlank(s, i) == '=' || prevNonBlank(&b) == '=') {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func nextNonBlank(s string, i int) byte {
	for ; i < len(s); i++ {
		if !isBlank(s[i]) {
			return s[i]
		}
	}
	return 0
}

func prevNonBlank(b *strings.Builder) byte {
	s := b.String()
	if s == "" {
		return 0
	}
	return s[len(s)-1]
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return strings.ReplaceAll(v[1:len(v)-1], `\`, "")
	}
	return v
}
