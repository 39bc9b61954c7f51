package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is what an anchor announces.
type kind int

const (
	kindDeadline kind = iota
	kindEvent
)

// anchorPhrases are the phrases of each language. Longer phrases come first
// only for readability: all are matched, and overlapping windows give the same
// date.
var anchorPhrases = []struct {
	lang    string
	kind    kind
	phrases []string
}{
	{"en", kindDeadline, []string{
		`deadlines?`, `due (?:by|on|date)`, `(?:no|not) later than`, `latest by`, `at the latest by`,
		`(?:respond|reply|register|submit|confirm|rsvp|apply|answer|send)(?: \w+){0,3}? (?:by|before)`,
		`closing date`, `registration (?:closes|ends|is open until)`, `submissions? (?:close|closes|by|until)`,
		`expected by`, `(?:welcome|accepted|open|possible|received) until`, `received by`, `by close of business(?: on)?`,
	}},
	{"en", kindEvent, []string{
		`(?:to be|will be|is being|being|be) held`, `(?:will|shall) take place`, `takes? place`, `taking place`,
		`scheduled (?:for|on)`, `(?:meeting|session|conference|workshop|webinar|event|consultation|dialogue|forum) (?:is )?on`,
		`date of the (?:meeting|event|session|conference)`, `(?:will )?convene`,
	}},
	{"fr", kindDeadline, []string{
		`dates? limites?`, `délai`, `au plus tard(?: le| pour le)?`, `avant le`, `jusqu'au`, `jusqu’au`, `d'ici le`, `d’ici le`,
		`date butoir`, `échéance`, `(?:répondre|confirmer|envoyer|transmettre|soumettre|inscrire|s'inscrire|vous inscrire)(?: \S+){0,3}? (?:avant|pour) le`,
		`clôture des (?:inscriptions|candidatures|contributions)`,
	}},
	{"fr", kindEvent, []string{
		`se tiendra`, `(?:qui )?aura lieu`, `se déroulera`, `a lieu`, `se réunira`, `tenue le`,
		`(?:réunion|session|conférence|atelier|webinaire|consultation|dialogue|forum) (?:du|le)`,
	}},
	{"es", kindDeadline, []string{
		`fechas? límites?`, `fecha tope`, `plazo(?: \S+){0,4}? (?:vence|es|hasta|finaliza|termina)?(?: el)?`, `a más tardar(?: el)?`, `antes del`,
		`hasta el`, `fecha de cierre`, `vence el`, `(?:responder|confirmar|enviar|inscribirse|registrarse)(?: \S+){0,3}? antes del`,
	}},
	{"es", kindEvent, []string{
		`se (?:celebrará|llevará a cabo|realizará|desarrollará|efectuará)`, `tendrá lugar`, `celebrarse`,
		`(?:reunión|sesión|conferencia|taller|seminario|consulta|diálogo|foro) (?:del|el)`,
	}},
}

// anchors finds the anchor phrases of a text: run unanchored over a
// paragraph, one case-insensitive alternation of every phrase, a capture
// each, costs Go's NFA milliseconds for a few kB, since it carries every
// alternative through every byte. So a regexp is run, anchored, only at the
// places where a match can start, and only with the phrases that may open
// there: they are grouped by the letter they open with (its case fold).
type anchors struct {
	byFirst map[rune]*phraseSet
	all     *phraseSet // tried everywhere when some phrase's opening is unknown
}

// phraseSet is some phrases, in their order, as one anchored regexp.
type phraseSet struct {
	re       *regexp.Regexp
	which    []anchor // by capture group, 1-based
	openings []string // lower case; every match opens with one, after its boundary
}

// anchor is what one phrase announces, in which language.
type anchor struct {
	lang string
	kind kind
}

// phrase is one anchor phrase's pattern and what it announces.
type phrase struct {
	anchor
	pattern string
}

func allPhrases() []phrase {
	var out []phrase
	for _, g := range anchorPhrases {
		for _, p := range g.phrases {
			out = append(out, phrase{anchor: anchor{lang: g.lang, kind: g.kind}, pattern: p})
		}
	}
	return out
}

func compileAnchors() anchors {
	phrases := allPhrases()
	members := map[rune][]phrase{}
	openings := map[rune][]string{}
	for _, p := range phrases {
		lits := phraseOpenings(p.pattern)
		if lits == nil {
			return anchors{all: compileSet(phrases, nil)}
		}
		seen := map[rune]bool{}
		for _, l := range lits {
			first, _ := utf8.DecodeRuneInString(l)
			k := foldKey(first)
			openings[k] = append(openings[k], l)
			if !seen[k] {
				seen[k] = true
				members[k] = append(members[k], p)
			}
		}
	}
	a := anchors{byFirst: map[rune]*phraseSet{}}
	for k, ps := range members {
		a.byFirst[k] = compileSet(ps, openings[k])
	}
	return a
}

func compileSet(phrases []phrase, openings []string) *phraseSet {
	pattern, which := anchorPattern(phrases)
	return &phraseSet{re: regexp.MustCompile(`(?i)^` + pattern), which: which, openings: openings}
}

// anchorPattern is phrases as one alternative between non-letters, a capture
// each, and what each capture announces.
func anchorPattern(phrases []phrase) (string, []anchor) {
	alts := make([]string, 0, len(phrases))
	which := []anchor{{}}
	for _, p := range phrases {
		alts = append(alts, "("+p.pattern+")")
		which = append(which, p.anchor)
	}
	return `(?:^|[^\p{L}])(?:` + strings.Join(alts, "|") + `)(?:[^\p{L}]|$)`, which
}

// match is one anchor found: what it announces, its words, and where its
// window starts.
type match struct {
	anchor
	phrase string
	end    int
}

// find returns the anchors of a text in order, at most max: the matches
// that the alternation of every phrase, unanchored, would find, leftmost
// first and not overlapping. A match starts at the text's start or at the
// non-letter before a phrase's first letter, so each such place is tried,
// from the end of the previous match on, with the phrases that may open
// there (the others cannot match there, so the first that matches is the
// one the whole alternation prefers). The regexp holds no look-behind but
// ^, which a place after the start never satisfies (phrases open with a
// letter), so a match found at a place is the one found there in the whole
// text.
func (a anchors) find(text string, max int) []match {
	var out []match
	for at := 0; at < len(text) && len(out) < max; {
		start, set := a.nextPlace(text, at)
		if set == nil {
			break
		}
		m := set.re.FindStringSubmatchIndex(text[start:])
		if m == nil {
			_, size := utf8.DecodeRuneInString(text[start:])
			at = start + size
			continue
		}
		out = append(out, set.matched(text, start, m))
		at = start + m[1]
	}
	return out
}

// nextPlace returns the first place at or after at where a match may start
// (the text's start before a letter, or a non-letter before a letter), with
// the phrases that may open there; nil when there is none.
func (a anchors) nextPlace(text string, at int) (int, *phraseSet) {
	prevLetter := true // at the start: a place only before a letter
	if at > 0 {
		prev, _ := utf8.DecodeLastRuneInString(text[:at])
		prevLetter = unicode.IsLetter(prev)
	}
	for i, r := range text[at:] {
		letter := unicode.IsLetter(r)
		if letter && (at+i == 0 || !prevLetter) {
			if set := a.opening(r, text[at+i:]); set != nil {
				if at+i == 0 {
					return 0, set
				}
				if _, size := utf8.DecodeLastRuneInString(text[:at+i]); at+i-size >= at {
					return at + i - size, set
				}
			}
		}
		prevLetter = letter
	}
	return 0, nil
}

// opening returns the phrases that may open text, whose first rune is r.
func (a anchors) opening(r rune, text string) *phraseSet {
	if a.all != nil {
		return a.all
	}
	set := a.byFirst[foldKey(r)]
	if set == nil {
		return nil
	}
	for _, o := range set.openings {
		if hasFoldPrefix(text, o) {
			return set
		}
	}
	return nil
}

// matched turns the submatch m of the regexp run at start into a match.
func (s *phraseSet) matched(text string, start int, m []int) match {
	for g := 1; g < len(s.which); g++ {
		if b := m[2*g]; b >= 0 {
			return match{anchor: s.which[g], phrase: text[start+b : start+m[2*g+1]], end: start + m[2*g+1]}
		}
	}
	return match{end: start + m[1]}
}
