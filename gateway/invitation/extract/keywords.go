package extract

import (
	"regexp"
	"strings"
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

// anchors is every phrase of every language in one case-insensitive regexp
// (one pass over the text, not one per phrase); a phrase's group says which.
type anchors struct {
	re    *regexp.Regexp
	which []anchor // by capture group, 1-based
}

// anchor is what one phrase announces, in which language.
type anchor struct {
	lang string
	kind kind
}

func compileAnchors() anchors {
	var alts []string
	a := anchors{which: []anchor{{}}}
	for _, g := range anchorPhrases {
		for _, p := range g.phrases {
			alts = append(alts, "("+p+")")
			a.which = append(a.which, anchor{lang: g.lang, kind: g.kind})
		}
	}
	a.re = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:` + strings.Join(alts, "|") + `)(?:[^\p{L}]|$)`)
	return a
}

// match is one anchor found: what it announces, its words, and where its
// window starts.
type match struct {
	anchor
	phrase string
	end    int
}

// find returns the anchors of a text in order, at most max.
func (a anchors) find(text string, max int) []match {
	var out []match
	for _, m := range a.re.FindAllStringSubmatchIndex(text, max) {
		for g := 1; g < len(a.which); g++ {
			if s := m[2*g]; s >= 0 {
				out = append(out, match{anchor: a.which[g], phrase: text[s:m[2*g+1]], end: m[2*g+1]})
				break
			}
		}
	}
	return out
}
