package extract

import "time"

// Source says where a date came from.
type Source string

// The sources of a date, weakest first. Only a text date is a guess: the
// others are firm enough to remind a caucus about.
const (
	SourceText     Source = "text"
	SourceCalendar Source = "calendar"
	SourceTag      Source = "tag"
	SourceAdmin    Source = "admin"
)

// Firm reports whether a date from this source may be acted upon (reminders)
// without an admin confirming it.
func (s Source) Firm() bool { return s == SourceCalendar || s == SourceTag || s == SourceAdmin }

// Date is one date found, with where it came from and the words that gave it.
type Date struct {
	Time   time.Time
	Source Source
	Phrase string // the matched phrase, for the decision's trace
	Lang   string // en, fr, es for text dates
}

// Found is what a message says about its dates. A nil pointer is a date not
// found.
type Found struct {
	Deadline *Date
	Event    *Date
	Warnings []string // a malformed calendar part, say; never fatal
}

// Merge returns f with the dates of over replacing its own where over has one,
// and both sets of warnings.
func (f Found) Merge(over Found) Found {
	if over.Deadline != nil {
		f.Deadline = over.Deadline
	}
	if over.Event != nil {
		f.Event = over.Event
	}
	f.Warnings = append(append([]string(nil), f.Warnings...), over.Warnings...)
	return f
}
