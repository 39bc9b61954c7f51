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

// anchors is every phrase of every language in one case-insensitive regexp;
// a phrase's group says which. It is anchored, and tried only where a word
// may open a phrase (starts).
type anchors struct {
	re     *regexp.Regexp
	which  []anchor // by capture group, 1-based
	starts starts
}

// anchor is what one phrase announces, in which language.
type anchor struct {
	lang string
	kind kind
}

func compileAnchors() anchors {
	pattern, which := anchorPattern()
	return anchors{re: regexp.MustCompile(`(?i)^` + pattern), which: which, starts: phraseStarts()}
}

// anchorPattern is every phrase as one alternative between non-letters, a
// capture each, and what each capture announces.
func anchorPattern() (string, []anchor) {
	var alts []string
	which := []anchor{{}}
	for _, g := range anchorPhrases {
		for _, p := range g.phrases {
			alts = append(alts, "("+p+")")
			which = append(which, anchor{lang: g.lang, kind: g.kind})
		}
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
// that the regexp unanchored would find, leftmost first and not
// overlapping. A match starts at the text's start or at the non-letter
// before a phrase's first letter, so each such place is tried, from the end
// of the previous match on. The regexp holds no look-behind but ^, which a
// place after the start never satisfies (phrases open with a letter), so a
// match found at a place is the one found there in the whole text.
func (a anchors) find(text string, max int) []match {
	var out []match
	for at := 0; at < len(text) && len(out) < max; {
		start, ok := a.nextPlace(text, at)
		if !ok {
			break
		}
		m := a.re.FindStringSubmatchIndex(text[start:])
		if m == nil {
			_, size := utf8.DecodeRuneInString(text[start:])
			at = start + size
			continue
		}
		out = append(out, a.matched(text, start, m))
		at = start + m[1]
	}
	return out
}

// nextPlace returns the first place at or after at where a match may start:
// the text's start before a letter, or a non-letter before a letter, where
// the letters may open a phrase.
func (a anchors) nextPlace(text string, at int) (int, bool) {
	prevLetter := true // the start: a place only before a letter
	if at > 0 {
		prev, _ := utf8.DecodeLastRuneInString(text[:at])
		prevLetter = unicode.IsLetter(prev)
	}
	for i, r := range text[at:] {
		letter := unicode.IsLetter(r)
		if letter && (at+i == 0 || !prevLetter) && a.starts.mayOpen(text[at+i:]) {
			if at+i == 0 {
				return 0, true
			}
			_, size := utf8.DecodeLastRuneInString(text[:at+i])
			if at+i-size >= at {
				return at + i - size, true
			}
		}
		prevLetter = letter
	}
	return 0, false
}

// matched turns the submatch m of the regexp run at start into a match.
func (a anchors) matched(text string, start int, m []int) match {
	for g := 1; g < len(a.which); g++ {
		if s := m[2*g]; s >= 0 {
			return match{anchor: a.which[g], phrase: text[start+s : start+m[2*g+1]], end: start + m[2*g+1]}
		}
	}
	return match{end: start + m[1]}
}
