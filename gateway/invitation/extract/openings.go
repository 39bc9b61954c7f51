package extract

import (
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// phraseOpenings returns the literals, lower case, of which every match of
// a phrase opens with one, or nil when it cannot tell.
func phraseOpenings(pattern string) []string {
	re, err := syntax.Parse("(?i)"+pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	lits, _ := leadingLiterals(re.Simplify())
	for _, l := range lits {
		if l == "" {
			return nil
		}
	}
	return lits
}

// leadingLiterals returns the literals of which every match of re opens with
// one, lower case, or nil when it cannot tell; whole is true when they are
// the whole of every match.
func leadingLiterals(re *syntax.Regexp) (lits []string, whole bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}, true
	case syntax.OpCapture:
		return leadingLiterals(re.Sub[0])
	case syntax.OpPlus:
		lits, _ := leadingLiterals(re.Sub[0])
		return lits, false
	case syntax.OpConcat:
		return leadingOfConcat(re.Sub)
	case syntax.OpAlternate:
		whole := true
		for _, s := range re.Sub {
			l, w := leadingLiterals(s)
			if l == nil {
				return nil, false
			}
			lits, whole = append(lits, l...), whole && w
		}
		return lits, whole
	}
	return nil, false
}

// maxLeading bounds the literals a concatenation multiplies into.
const maxLeading = 64

// leadingOfConcat is what a concatenation opens with: its parts' literals
// joined while they are whole ("w" then "orkshop" or "ebinar"). An optional
// first part opens it with its own literals or with the rest's.
func leadingOfConcat(subs []*syntax.Regexp) ([]string, bool) {
	acc := []string{""}
	for i, s := range subs {
		if s.Op == syntax.OpQuest || s.Op == syntax.OpStar || (s.Op == syntax.OpRepeat && s.Min == 0) {
			if i > 0 {
				return acc, false
			}
			opt, _ := leadingLiterals(s.Sub[0])
			rest, _ := leadingOfConcat(subs[1:])
			if opt == nil || rest == nil {
				return nil, false
			}
			return append(opt, rest...), false
		}
		l, whole := leadingLiterals(s)
		if l == nil {
			if i == 0 {
				return nil, false
			}
			return acc, false
		}
		acc = joinAll(acc, l)
		if !whole || len(acc) > maxLeading {
			return acc, false
		}
	}
	return acc, true
}

// joinAll is every a followed by every b.
func joinAll(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

// hasFoldPrefix reports whether text opens with prefix, comparing letters as
// the regexp's (?i) does: by simple case folding, so the long s and the
// Kelvin sign count as s and k.
func hasFoldPrefix(text, prefix string) bool {
	for _, p := range prefix {
		if text == "" {
			return false
		}
		if c := text[0]; c < utf8.RuneSelf && p < utf8.RuneSelf { // the common case
			if c != byte(p) && !('a' <= p && p <= 'z' && c|0x20 == byte(p)) {
				return false
			}
			text = text[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(text)
		if foldKey(r) != foldKey(p) {
			return false
		}
		text = text[size:]
	}
	return true
}

// foldKey is the same rune for every rune of one simple case-folding orbit
// (s, S and ſ): its smallest.
func foldKey(r rune) rune {
	if r < utf8.RuneSelf { // an ASCII orbit's smallest is its capital
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}
