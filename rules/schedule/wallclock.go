package schedule

import (
	"time"

	"github.com/robfig/cron/v3"
)

// lookaround bounds how far an instant and its wall-clock reading can be
// apart: zone offsets stay within ±26 hours, local mean times included.
const lookaround = 26 * time.Hour

// maxZoneSpans bounds the walk over a zone's offset changes near one
// instant; real zones change a few times a year at most.
const maxZoneSpans = 16

// wallClock is a cron spec read on the clock of loc. A wall-clock reading
// is held as a time.Time in UTC whose fields are the reading's fields, so
// that robfig/cron enumerates readings without meeting any DST change.
type wallClock struct {
	fields *cron.SpecSchedule // Location is UTC: it enumerates readings
	loc    *time.Location
}

// next returns the slot of the first matching reading that the clock has
// not shown by t. A reading's slot is the first instant the clock shows it
// or a later one, so a slot is strictly after t exactly when its reading is
// later than every reading shown up to t.
func (w wallClock) next(t time.Time) time.Time {
	reading := w.fields.Next(maxReading(t, w.loc))
	if reading.IsZero() {
		return reading
	}
	return firstShowing(reading, w.loc)
}

// reading returns what loc's clock shows at t, as a UTC-coded time.
func reading(t time.Time, off int) time.Time {
	return t.Add(time.Duration(off) * time.Second).UTC()
}

// maxReading returns the latest reading loc's clock has shown at or before
// t. It is t's own reading except in a fall-back overlap, where the clock
// has already shown the repeated times once.
func maxReading(t time.Time, loc *time.Location) time.Time {
	at := t.Add(-lookaround)
	var highest time.Time
	for range maxZoneSpans {
		_, off := at.In(loc).Zone()
		_, end := at.In(loc).ZoneBounds()
		if end.IsZero() || end.After(t) {
			break
		}
		highest = later(highest, reading(end.Add(-time.Nanosecond), off))
		at = end
	}
	_, off := t.In(loc).Zone()
	return later(highest, reading(t, off))
}

// firstShowing returns the first instant at which loc's clock shows r or a
// later reading: the instant of r itself, its first occurrence when a
// fall-back shows it twice, or the end of the gap when a spring-forward
// skips it.
func firstShowing(r time.Time, loc *time.Location) time.Time {
	at := r.Add(-lookaround)
	var off int
	for range maxZoneSpans {
		_, off = at.In(loc).Zone()
		if !reading(at, off).Before(r) {
			return at
		}
		candidate := r.Add(-time.Duration(off) * time.Second)
		_, end := at.In(loc).ZoneBounds()
		if end.IsZero() || candidate.Before(end) {
			return candidate
		}
		at = end
	}
	return r.Add(-time.Duration(off) * time.Second)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
