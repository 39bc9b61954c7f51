package schedule

import (
	"time"
)

// series is one kind of slot series.
type series interface {
	// next returns the first slot strictly after t, or the zero time when
	// there is none within five years.
	next(t time.Time) time.Time
}

// Schedule is a parsed schedule spec: a fixed series of slots. The zero
// value is not usable; get one from [Parse]. A Schedule is immutable and
// safe for concurrent use.
type Schedule struct {
	spec   string
	loc    *time.Location
	series series // nil for immediate
}

// String returns the spec exactly as it was given to [Parse]; the store
// keys a schedule's last run by it.
func (s *Schedule) String() string { return s.spec }

// IsImmediate reports whether the schedule is "immediate": items are due
// the moment they arrive.
func (s *Schedule) IsImmediate() bool { return s.series == nil }

// Location returns the time zone whose clock the schedule reads (UTC when
// the spec names none). Slots are returned in it.
func (s *Schedule) Location() *time.Location { return s.loc }

// Next returns the first slot strictly after after, in the schedule's
// location; the zero time when a spec has no slot within five years of
// after. An immediate schedule has a slot at every instant: Next returns
// after itself.
func (s *Schedule) Next(after time.Time) time.Time {
	if s.series == nil {
		return after
	}
	n := s.series.next(after)
	if n.IsZero() {
		return n
	}
	return n.In(s.loc)
}

// DueSlot returns the slot an item that arrived at arrived is due at: the
// first slot strictly after its arrival, so that every item arriving
// between two slots shares the later one. An item arriving exactly at a
// slot waits for the next: the run of that slot may already have collected
// its items. For an immediate schedule it is arrived itself.
func (s *Schedule) DueSlot(arrived time.Time) time.Time {
	return s.Next(arrived)
}

// CatchUp returns the latest slot in (lastRun, now], and false when there
// is none. Running that one slot sends every item due at or before it, so
// runs missed while the daemon was down are caught up once. A zero lastRun
// (the schedule never ran) yields the latest slot at or before now. For an
// immediate schedule it is now, whenever now is after lastRun.
func (s *Schedule) CatchUp(lastRun, now time.Time) (slot time.Time, ok bool) {
	if !now.After(lastRun) {
		return time.Time{}, false
	}
	if s.series == nil {
		return now, true
	}
	slot, ok = latest(s.series, lastRun, now)
	if !ok {
		return time.Time{}, false
	}
	return slot.In(s.loc), true
}
