package schedule

import (
	"fmt"
	"testing"
	"time"
)

// scanSlots is an independent statement of the rule in the package doc: it
// walks the zone's clock minute by minute and marks an instant as a slot
// when the clock first shows a matching reading there, or jumps over one.
// The zones tested change their offsets on whole minutes.
func scanSlots(s *Schedule, from, to time.Time) []time.Time {
	w := s.series.(wallClock)
	var out []time.Time
	_, off := from.In(w.loc).Zone()
	shown := reading(from, off)
	for t := from.Add(time.Minute); !t.After(to); t = t.Add(time.Minute) {
		_, off := t.In(w.loc).Zone()
		r := reading(t, off)
		if r.After(shown) {
			if n := w.fields.Next(shown); !n.IsZero() && !n.After(r) {
				out = append(out, t)
			}
			shown = r
		}
	}
	return out
}

func TestNextMatchesScan(t *testing.T) {
	specs := []string{"30 2 * * *", "0 * * * *", "*/15 1-3 * * *", "45 1 * * 0", "0,30 0-4 * * *", "* 2 * * *"}
	zones := []string{"Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "UTC"}
	windows := []string{"2025-03-29T00:00:00Z", "2025-10-25T00:00:00Z", "2025-11-01T00:00:00Z",
		"2025-03-08T00:00:00Z", "2025-04-04T12:00:00Z", "2025-10-03T12:00:00Z"}
	for _, zone := range zones {
		for _, spec := range specs {
			s := mustParse(t, fmt.Sprintf("CRON_TZ=%s %s", zone, spec))
			for _, w := range windows {
				from := at(t, w)
				to := from.Add(36 * time.Hour)
				want := scanSlots(s, from, to)
				got := nextUntil(t, s, from, to)
				if !equalInstants(got, want) {
					t.Errorf("%s from %s:\n got %v\nwant %v", s, w, got, want)
				}
			}
		}
	}
}

func equalInstants(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// nextUntil follows Next from from to to, failing when it does not advance.
func nextUntil(t *testing.T, s *Schedule, from, to time.Time) []time.Time {
	t.Helper()
	var got []time.Time
	for prev, n := from, s.Next(from); !n.After(to); prev, n = n, s.Next(n) {
		if !n.After(prev) {
			t.Fatalf("%s: Next(%v) = %v does not advance", s, prev, n)
		}
		got = append(got, n)
	}
	return got
}
