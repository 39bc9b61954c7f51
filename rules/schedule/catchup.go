package schedule

import "time"

// stepper is a series that can also step back, faster than a search.
type stepper interface {
	series
	// atOrBefore returns the last slot at or before t.
	atOrBefore(t time.Time) time.Time
}

// latest returns the last slot in (from, to]. Slots fall on whole seconds,
// so a binary search over seconds finds it with a few dozen calls of next,
// however many slots were missed: catching up a per-minute schedule after
// a year down costs no more than after a minute.
func latest(s series, from, to time.Time) (time.Time, bool) {
	if st, ok := s.(stepper); ok {
		slot := st.atOrBefore(to)
		return slot, slot.After(from)
	}
	fromSec, toSec := from.Unix(), to.Unix()
	has := func(sec int64) bool { return slotIn(s, time.Unix(sec, 0), to) }
	lo, ok := gallop(has, fromSec, toSec)
	if !ok {
		return time.Time{}, false
	}
	// Invariant: a slot lies in (lo, to] and none in (hi, to].
	hi := toSec
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if has(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return s.next(time.Unix(lo, 0)), true
}

// slotIn reports whether a slot lies in (after, to].
func slotIn(s series, after, to time.Time) bool {
	n := s.next(after)
	return !n.IsZero() && !n.After(to)
}

// gallop looks back from to in doubling steps for a second lo >= from with
// a slot in (lo, to], so that the search stays short when the latest slot
// is recent and lastRun is long ago, or zero.
func gallop(has func(int64) bool, from, to int64) (int64, bool) {
	for step := int64(60); ; step *= 2 {
		lo := to - step
		if lo <= from || step > to-from {
			return from, has(from)
		}
		if has(lo) {
			return lo, true
		}
	}
}
