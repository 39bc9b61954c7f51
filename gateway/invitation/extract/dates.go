package extract

import (
	"strings"
	"time"
	"unicode/utf8"
)

// monthNames are the month names and abbreviations an invitation writes in
// each language, lower case; French accents are optional, as mail often drops
// them.
var monthNames = map[string]map[string]time.Month{
	"en": monthTable(`january|jan february|feb march|mar april|apr may june|jun july|jul august|aug
		september|sep|sept october|oct november|nov december|dec`),
	"fr": monthTable(`janvier|janv février|fevrier|févr|fevr mars avril|avr mai juin juillet|juil
		août|aout septembre|sept octobre|oct novembre|nov décembre|decembre|déc|dec`),
	"es": monthTable(`enero|ene febrero|feb marzo|mar abril|abr mayo|may junio|jun julio|jul agosto|ago
		septiembre|setiembre|sep|sept octubre|oct noviembre|nov diciembre|dic`),
}

// monthTable reads twelve fields, one a month, each its spellings joined by "|".
func monthTable(fields string) map[string]time.Month {
	t := map[string]time.Month{}
	for i, f := range strings.Fields(fields) {
		for _, name := range strings.Split(f, "|") {
			t[name] = time.Month(i + 1)
		}
	}
	return t
}

const (
	// spanWords is how many words a date takes at most ("20 de marzo de 2027").
	spanWords = 6
	// maxSpans bounds the stretches of one window searched for a date.
	maxSpans = 3
)

// readDate reads the first date of a window that names a day and a month in
// words, in one of the forms invitations use:
//
//	15 January 2027, 15th of January, 3. March, 1er mars, 20 de marzo de 2027,
//	2 de mayo del 2027, January 15th, 2027, Jan. 15
//
// A range gives its first day (2-4 March, 2 au 4 mars, 2 y 3 de marzo). What
// surrounds the date (a weekday before it, "at 18:00 CET" or "à 14h" after it)
// is left out. A date without a year takes anchorYear's; one whose year no
// invitation means is skipped ("the 55th session" is no 2055). A date starts,
// as it did for the window's first reader (go-dateparser, handed these
// stretches), within the first few stretches of the window that open with a
// day or a month name, each a few words long.
func readDate(lang, window string, received time.Time) (day time.Time, phrase string, ok bool) {
	months := monthNames[lang]
	words := strings.Fields(window)
	for i, spans := 0, 0; i < len(words) && spans < maxSpans; i++ {
		if !opensDate(months, words[i]) {
			continue
		}
		spans++
		end := min(i+spanWords, len(words))
		for j := i; j < end; j++ {
			if t, n, ok := dateAt(months, words[j:], end-j, received); ok && plausible(t, received) {
				return t, phraseOf(words[j : j+n]), true
			}
		}
	}
	return time.Time{}, "", false
}

// opensDate reports whether a word can open a date: a day (15, 1er, 3rd,
// 20th,) or a month name.
func opensDate(months map[string]time.Month, word string) bool {
	w := token(word)
	if _, ok := months[w]; ok {
		return true
	}
	_, ok := dayOf(w)
	return ok
}

// dateAt reads a date at the start of words: day first or month first, its
// day and month within the first words, its year possibly after them (a
// range's words push it out: "2 al 4 de marzo de 2027"). n is how many words
// it took.
func dateAt(months map[string]time.Month, words []string, within int, received time.Time) (t time.Time, n int, ok bool) {
	r := dateWords{words: words}
	var d int
	var m time.Month
	if d, ok = r.day(); ok {
		r.skip("of", "de")
		if m, ok = r.month(months); !ok {
			return time.Time{}, 0, false
		}
	} else if m, ok = r.month(months); ok {
		if d, ok = r.day(); !ok {
			return time.Time{}, 0, false
		}
	} else {
		return time.Time{}, 0, false
	}
	if r.at > within {
		return time.Time{}, 0, false
	}
	year, hasYear := r.year()
	if !hasYear {
		year = anchorYear(m, d, received).Year()
	}
	t = time.Date(year, m, d, 0, 0, 0, 0, received.Location())
	if t.Day() != d {
		return time.Time{}, 0, false // 31 February
	}
	return t, r.at, true
}

// dateWords reads a date's words in order; at is the next word. A reader
// that fails to read a part leaves at where it was.
type dateWords struct {
	words []string
	at    int
}

func (r *dateWords) peek(ahead int) string {
	if r.at+ahead >= len(r.words) {
		return ""
	}
	return token(r.words[r.at+ahead])
}

// skip passes one word if it is one of these.
func (r *dateWords) skip(any ...string) bool {
	w := r.peek(0)
	for _, a := range any {
		if w == a {
			r.at++
			return true
		}
	}
	return false
}

// day reads a day of the month, and the end of a range that starts with it
// ("2-4", "2 - 4", "2 to 4", "2 au 4", "2 y 3", "1st and 2nd"): a range
// gives its first day.
func (r *dateWords) day() (int, bool) {
	d, ok := dayOf(r.peek(0))
	if !ok {
		return 0, false
	}
	r.at++
	switch r.peek(0) {
	case "-", "–", "to", "and", "&", "au", "et", "al", "y", "a":
		if _, ok := dayOf(r.peek(1)); ok {
			r.at += 2
		}
	}
	return d, true
}

func (r *dateWords) month(months map[string]time.Month) (time.Month, bool) {
	m, ok := months[r.peek(0)]
	if ok {
		r.at++
	}
	return m, ok
}

// year reads a year of four digits, after Spanish "de" or "del" if any.
func (r *dateWords) year() (int, bool) {
	ahead := 0
	if w := r.peek(0); w == "de" || w == "del" {
		ahead = 1
	}
	y, ok := yearOf(r.peek(ahead))
	if ok {
		r.at += ahead + 1
	}
	return y, ok
}

// token is a word lower case without the punctuation around it
// ("January," "(Jan." "2027).").
func token(word string) string {
	return strings.ToLower(strings.Trim(word, `.,;:!?()[]"'«»“”`))
}

// dayOf reads a day number with its ordinal suffix, if any ("15", "1er",
// "3rd", "1º", "2-4" of a range).
func dayOf(w string) (int, bool) {
	d, rest := leadingNumber(w)
	if d < 1 || d > 31 || len(w)-len(rest) > 2 {
		return 0, false
	}
	rest = ordinalSuffix(rest)
	if rest != "" {
		r, size := utf8.DecodeRuneInString(rest)
		if r != '-' && r != '–' {
			return 0, false
		}
		end, tail := leadingNumber(rest[size:])
		if end < 1 || end > 31 || ordinalSuffix(tail) != "" {
			return 0, false
		}
	}
	return d, true
}

// ordinalSuffix returns what follows an ordinal suffix of w, or w when it
// has none.
func ordinalSuffix(w string) string {
	for _, s := range []string{"st", "nd", "rd", "th", "er", "re", "º", "°"} {
		if rest, ok := strings.CutPrefix(w, s); ok {
			return rest
		}
	}
	return w
}

// yearOf reads a year of this or the last century, all four digits.
func yearOf(w string) (int, bool) {
	y, rest := leadingNumber(w)
	if rest != "" || len(w) != 4 || (w[:2] != "19" && w[:2] != "20") {
		return 0, false
	}
	return y, true
}

// leadingNumber reads the ASCII digits that start w (at most 4: a year) and
// returns the rest; 0 when w starts with none.
func leadingNumber(w string) (int, string) {
	n, i := 0, 0
	for ; i < len(w) && i < 5 && w[i] >= '0' && w[i] <= '9'; i++ {
		n = n*10 + int(w[i]-'0')
	}
	if i == 0 || i == 5 {
		return 0, w
	}
	return n, w[i:]
}

// phraseOf is a date's words as written, for the trace, without the
// punctuation around it.
func phraseOf(words []string) string {
	return strings.TrimRight(strings.TrimLeft(strings.Join(words, " "), `(["'«“`), `.,;:!?)]"'»”`)
}
