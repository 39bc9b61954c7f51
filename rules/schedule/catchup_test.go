package schedule

import (
	"testing"
	"time"
)

func TestCatchUp(t *testing.T) {
	tests := []struct {
		name, spec, lastRun, now string
		want                     string // "" when nothing is due
	}{
		{"nothing missed", "CRON_TZ=Europe/Zurich 0 17 * * *",
			"2025-06-02T17:00:00+02:00", "2025-06-03T16:59:59+02:00", ""},
		{"the slot itself is due", "CRON_TZ=Europe/Zurich 0 17 * * *",
			"2025-06-02T17:00:00+02:00", "2025-06-03T17:00:00+02:00", "2025-06-03T17:00:00+02:00"},
		{"a week down runs the latest slot once", "CRON_TZ=Europe/Zurich 0 17 * * *",
			"2025-06-02T17:00:00+02:00", "2025-06-09T18:00:00+02:00", "2025-06-09T17:00:00+02:00"},
		{"a year down, every minute", "*/1 * * * *",
			"2024-06-02T17:00:00Z", "2025-06-09T18:00:30Z", "2025-06-09T18:00:00Z"},
		{"never ran", "CRON_TZ=Europe/Zurich 0 17 * * 1-5",
			"", "2025-06-08T12:00:00+02:00", "2025-06-06T17:00:00+02:00"},
		{"lastRun in the future", "0 * * * *",
			"2025-06-09T20:00:00Z", "2025-06-09T18:30:00Z", ""},
		{"the latest slot ended a gap", "CRON_TZ=Europe/Zurich 30 2 * * *",
			"2025-03-29T02:30:00+01:00", "2025-03-30T03:10:00+02:00", "2025-03-30T03:00:00+02:00"},
		{"the repeated hour is no slot", "CRON_TZ=Europe/Zurich 30 2 * * *",
			"2025-10-26T02:30:00+02:00", "2025-10-26T02:45:00+01:00", ""},
		{"@every", "@every 15m",
			"2025-06-09T17:00:00Z", "2025-06-09T18:20:00Z", "2025-06-09T18:15:00Z"},
		{"@every, nothing missed", "@every 15m",
			"2025-06-09T18:15:00Z", "2025-06-09T18:29:59Z", ""},
		{"a slot on lastRun is not run again", "@every 15m",
			"2025-06-09T18:15:00.5Z", "2025-06-09T18:29:59Z", ""},
		{"February 29 after years down", "0 0 29 2 *",
			"2016-02-29T00:00:00Z", "2025-06-09T00:00:00Z", "2024-02-29T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.spec)
			var last time.Time
			if tt.lastRun != "" {
				last = at(t, tt.lastRun)
			}
			slot, ok := s.CatchUp(last, at(t, tt.now))
			got := ""
			if ok {
				got = slot.Format(time.RFC3339)
			}
			if got != tt.want {
				t.Errorf("CatchUp(%s, %s) = %q, want %q", tt.lastRun, tt.now, got, tt.want)
			}
		})
	}
}

// A daemon that records each slot it runs, restarted at arbitrary times,
// never runs a slot twice and never runs one out of order.
func TestCatchUpNeverRepeats(t *testing.T) {
	s := mustParse(t, "CRON_TZ=Europe/Zurich */20 1-3 * * *")
	var last time.Time
	seen := map[time.Time]bool{}
	now := at(t, "2025-10-25T12:00:00Z")
	for step := range 200 {
		now = now.Add(time.Duration(7+step%11) * time.Minute)
		slot, ok := s.CatchUp(last, now)
		if !ok {
			continue
		}
		if seen[slot] || !slot.After(last) || slot.After(now) {
			t.Fatalf("at %v: slot %v after last run %v (seen before: %v)", now, slot, last, seen[slot])
		}
		seen[slot], last = true, slot
	}
	if len(seen) == 0 {
		t.Fatal("no slot ran")
	}
}
