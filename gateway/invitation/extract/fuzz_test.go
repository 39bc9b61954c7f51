package extract

import (
	"testing"
	"time"
)

func FuzzText(f *testing.F) {
	for _, s := range []string{"Deadline: 15 January 2027", "date limite : 12 février", "Fecha límite: 05/02/2027", "> deadline 3/3", "no later than 31/31/31"} {
		f.Add(s)
	}
	x := New(time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got := x.Text(s, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		for _, d := range []*Date{got.Deadline, got.Event} {
			if d != nil && (d.Time.IsZero() || d.Source != SourceText) {
				t.Fatalf("bad date %+v from %q", d, s)
			}
		}
	})
}

func FuzzCalendar(f *testing.F) {
	f.Add(vcal(event("DTSTART;TZID=Europe/Zurich:20270302T100000")...))
	f.Add(vcal(append([]string{outlookTZ}, event("DTSTART;TZID=Bureau Custom Time:20270302T100000")...)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		got := Calendar(b, time.UTC)
		if got.Event != nil && got.Event.Source != SourceCalendar {
			t.Fatalf("bad event %+v", got.Event)
		}
	})
}
