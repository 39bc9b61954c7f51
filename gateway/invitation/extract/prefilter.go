package extract

import (
	"regexp/syntax"
	"slices"
	"strings"
)

// keywords are literals of which every anchor phrase holds one, lower
// case: a paragraph holding none has no anchor, and the anchor regexp (a
// few hundred alternatives with captures, the slow part of a search) is not
// run on it. nil: some phrase has no such literal, so nothing is skipped.
type keywords []string

func phraseKeywords() keywords {
	var all keywords
	for _, g := range anchorPhrases {
		for _, p := range g.phrases {
			re, err := syntax.Parse("(?i)"+p, syntax.Perl)
			if err != nil {
				return nil
			}
			need := necessary(re.Simplify())
			if need == nil {
				return nil
			}
			all = append(all, need...)
		}
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// necessary returns literals of which every match of re holds one, or nil
// when it cannot tell.
func necessary(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}
	case syntax.OpCapture, syntax.OpPlus:
		return necessary(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return necessary(re.Sub[0])
		}
	case syntax.OpConcat:
		return bestOf(re.Sub)
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			n := necessary(s)
			if n == nil {
				return nil
			}
			out = append(out, n...)
		}
		return out
	}
	return nil
}

// bestOf returns, of the parts of a concatenation, the literal set whose
// shortest literal is longest: the most selective.
func bestOf(subs []*syntax.Regexp) []string {
	var best []string
	bestLen := 0
	for _, s := range subs {
		n := necessary(s)
		if n == nil {
			continue
		}
		short := len(n[0])
		for _, l := range n {
			short = min(short, len(l))
		}
		if short > bestLen {
			best, bestLen = n, short
		}
	}
	return best
}

// mayHold says whether text may hold an anchor. Lower-casing is how (?i)
// folds every letter of the phrases but one: regexp also folds "s" with the
// long s (U+017F), which text holding it keeps to the regexp.
func (k keywords) mayHold(text string) bool {
	if k == nil || strings.ContainsRune(text, 'ſ') {
		return true
	}
	lower := strings.ToLower(text)
	for _, w := range k {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}
