package schedule

import (
	"testing"
	"time"
)

// FuzzParse checks that no spec crashes Parse (robfig/cron panics on some)
// and that every accepted spec yields a consistent series: Next advances,
// a slot is in its own series, and CatchUp agrees with Next.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"immediate", "0 17 * * *", "CRON_TZ=Europe/Zurich 30 2 * * *", "TZ=America/New_York 0 9 * * 1-5",
		"CRON_TZ=Australia/Lord_Howe */15 1-3 * * *", "@every 90m", "@daily", "CRON_TZ=Europe/Zurich",
		"CRON_TZ=", "TZ=", "@every", "0 0 31 4 *", "*/0 * * * *", "1-2-3 * * * *", "0 0 29 2 *",
	} {
		f.Add(seed, int64(1743296400))
	}
	f.Fuzz(func(t *testing.T, spec string, unix int64) {
		s, err := Parse(spec)
		if err != nil {
			return
		}
		if s.String() != spec {
			t.Fatalf("String() = %q, want %q", s.String(), spec)
		}
		from := time.Unix(unix%(1<<34), 0)
		checkSeries(t, s, from)
	})
}

func checkSeries(t *testing.T, s *Schedule, from time.Time) {
	if s.IsImmediate() {
		return
	}
	n := s.Next(from)
	if n.IsZero() {
		return
	}
	if !n.After(from) {
		t.Fatalf("%s: Next(%v) = %v does not advance", s, from, n)
	}
	if again := s.Next(n.Add(-time.Second)); !again.Equal(n) {
		t.Fatalf("%s: Next(%v) = %v, but Next a second before it = %v", s, from, n, again)
	}
	if slot, ok := s.CatchUp(from, n); !ok || !slot.Equal(n) {
		t.Fatalf("%s: CatchUp(%v, %v) = %v %v, want the slot itself", s, from, n, slot, ok)
	}
	if _, ok := s.CatchUp(from, n.Add(-time.Second)); ok {
		t.Fatalf("%s: CatchUp(%v, %v) found a slot before Next", s, from, n.Add(-time.Second))
	}
}
