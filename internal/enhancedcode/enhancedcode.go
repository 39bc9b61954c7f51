// Package enhancedcode reads SMTP enhanced status codes (RFC 3463, carried
// in replies by RFC 2034 and in delivery reports by RFC 3464): class "."
// subject "." detail, the class 2, 4 or 5 and the others of one to three
// digits. It is the one parser of such codes: the relay classifies replies
// with it, the bounce reader the Status fields and diagnostic texts.
package enhancedcode

import "strings"

// Code is a class, subject and detail, such as {5, 1, 1}.
type Code [3]int

// Parse reads s as exactly one code: "5.7.8", not "5.7.8." nor " 5.7.8".
func Parse(s string) (Code, bool) {
	c, n := scan(s)
	if n == 0 || n != len(s) {
		return Code{}, false
	}
	return c, true
}

// ParseField reads the code that starts a field value such as a DSN's
// Status (RFC 3464 2.3.4): "4.4.7 (delivery expired)".
func ParseField(s string) (Code, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t("); i >= 0 {
		s = s[:i]
	}
	return Parse(s)
}

// Find returns the codes in free text, in order, at most max of them:
// "550-5.1.1", "(#5.1.1)", a code that ends a sentence ("status 5.1.1.").
// A run of digits and dots that is longer (a version, an address) is none.
func Find(text string, max int) []Code {
	var out []Code
	for i := 0; i < len(text) && len(out) < max; i++ {
		if i > 0 && (isDigit(text[i-1]) || text[i-1] == '.') {
			continue
		}
		c, n := scan(text[i:])
		if n == 0 || !endsCode(text[i+n:]) {
			continue
		}
		out = append(out, c)
		i += n - 1
	}
	return out
}

// First is the first code in text.
func First(text string) (Code, bool) {
	if codes := Find(text, 1); len(codes) > 0 {
		return codes[0], true
	}
	return Code{}, false
}

// endsCode says whether what follows a code lets it end there: not a
// digit, and not a dot that a digit follows ("5.1.1.2" is no code).
func endsCode(rest string) bool {
	switch {
	case rest == "":
		return true
	case isDigit(rest[0]):
		return false
	case rest[0] == '.':
		return len(rest) == 1 || !isDigit(rest[1])
	}
	return true
}

// scan reads a code at the start of s and returns it with its length, 0
// when s does not start with one.
func scan(s string) (Code, int) {
	var c Code
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return c, 0
	}
	c[0] = int(s[0] - '0')
	i := 2
	for part := 1; part <= 2; part++ {
		v, n := digits(s[i:])
		if n == 0 {
			return Code{}, 0
		}
		c[part] = v
		i += n
		if part == 1 {
			if i >= len(s) || s[i] != '.' {
				return Code{}, 0
			}
			i++
		}
	}
	return c, i
}

// digits reads one to three digits; more is no part of a code.
func digits(s string) (int, int) {
	v, n := 0, 0
	for n < len(s) && isDigit(s[n]) {
		if n == 3 {
			return 0, 0
		}
		v = v*10 + int(s[n]-'0')
		n++
	}
	return v, n
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
