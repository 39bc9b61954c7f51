package extract

import (
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// maxText bounds the text searched: invitations say their dates early.
	maxText = 64 << 10
	// windowRunes is how far after an anchor a date is looked for.
	windowRunes = 64
	// maxAnchors bounds the windows parsed for one message.
	maxAnchors = 32
)

// Extractor finds dates in text. It is safe for concurrent use.
type Extractor struct {
	anchors anchors
	loc     *time.Location
}

// New returns an extractor whose dates are days in loc (the display zone).
func New(loc *time.Location) *Extractor {
	if loc == nil {
		loc = time.UTC
	}
	return &Extractor{anchors: compileAnchors(), loc: loc}
}

// Text finds the earliest response deadline and the earliest event date that
// the readable text announces. received anchors dates written without a year.
func (x *Extractor) Text(text string, received time.Time) Found {
	body := readable(text)
	if len(body) > maxText {
		body = body[:maxText]
	}
	var f Found
	n := 0
	for _, para := range strings.Split(body, "\n\n") {
		if n >= maxAnchors || !strings.ContainsAny(para, "0123456789") {
			continue // a date needs a day number and an anchor, in one paragraph
		}
		for _, m := range x.anchors.find(para, maxAnchors-n) {
			n++
			if d, ok := x.window(m.anchor, m.phrase, after(para, m.end), received); ok {
				f.keep(m.kind, d)
			}
		}
	}
	return f
}

// keep records d when it is the earliest of its kind.
func (f *Found) keep(k kind, d Date) {
	slot := &f.Deadline
	if k == kindEvent {
		slot = &f.Event
	}
	if *slot == nil || d.Time.Before((*slot).Time) {
		*slot = &d
	}
}

// after is the window of text following an anchor: a few words, up to the
// end of the paragraph.
func after(body string, from int) string {
	w := body[from:]
	if i := strings.Index(w, "\n\n"); i >= 0 {
		w = w[:i]
	}
	if utf8.RuneCountInString(w) > windowRunes {
		w = string([]rune(w)[:windowRunes])
	}
	return strings.Join(strings.Fields(w), " ")
}

// window parses the first date of a window that names a day and a month.
func (x *Extractor) window(a anchor, phrase, w string, received time.Time) (Date, bool) {
	if d, ok, decided := numeric(a.lang, w, received.In(x.loc)); decided {
		if !ok {
			return Date{}, false
		}
		return x.date(a, phrase, d, w), true
	}
	if d, matched, ok := readDate(a.lang, w, received.In(x.loc)); ok {
		return x.date(a, phrase, d, matched), true
	}
	return Date{}, false
}

func (x *Extractor) date(a anchor, phrase string, t time.Time, matched string) Date {
	return Date{Time: t, Source: SourceText, Lang: a.lang, Phrase: phrase + " " + matched}
}

// plausible drops years no invitation means ("the 55th session" read as 2055).
func plausible(t, received time.Time) bool {
	diff := t.Year() - received.Year()
	return diff >= -2 && diff <= 5
}

// anchorYear gives a yearless day the year that puts it nearest after the
// message's Date: this year, or the next when the day was long past (a date
// up to 90 days before the message is a deadline that the message missed).
func anchorYear(m time.Month, d int, received time.Time) time.Time {
	t := time.Date(received.Year(), m, d, 0, 0, 0, 0, received.Location())
	if t.Before(received.AddDate(0, 0, -90)) {
		t = t.AddDate(1, 0, 0)
	}
	return t
}
