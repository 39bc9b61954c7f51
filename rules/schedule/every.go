package schedule

import "time"

// every is "@every D": the multiples of D counted from the Unix epoch.
// Counting from a fixed origin, rather than from the time the daemon
// started as robfig/cron does, keeps the series fixed across restarts.
type every struct {
	secs int64 // D in whole seconds, at least 1
}

func (e every) next(t time.Time) time.Time {
	return time.Unix((floorDiv(t.Unix(), e.secs)+1)*e.secs, 0).UTC()
}

func (e every) atOrBefore(t time.Time) time.Time {
	return time.Unix(floorDiv(t.Unix(), e.secs)*e.secs, 0).UTC()
}

// floorDiv divides rounding towards minus infinity, so that instants before
// the epoch fall in the right interval too.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
