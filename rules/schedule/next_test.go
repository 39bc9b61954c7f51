package schedule

import (
	"slices"
	"testing"
	"time"
)

// The dates are those of 2025: Europe/Zurich springs forward on 30 March
// (02:00 CET -> 03:00 CEST) and falls back on 26 October (03:00 CEST ->
// 02:00 CET); America/New_York on 9 March and 2 November at 02:00;
// Australia/Lord_Howe shifts by 30 minutes: forward on 5 October (02:00 ->
// 02:30), back on 6 April (02:00 -> 01:30).
func TestNextAcrossDST(t *testing.T) {
	tests := []struct {
		name, spec, from string
		want             []string
	}{
		{"daily in a spring-forward gap runs once, at the end of the gap",
			"CRON_TZ=Europe/Zurich 30 2 * * *", "2025-03-28T12:00:00Z",
			[]string{"2025-03-29T02:30:00+01:00", "2025-03-30T03:00:00+02:00", "2025-03-31T02:30:00+02:00"}},
		{"daily in a fall-back overlap runs once, at the first occurrence",
			"CRON_TZ=Europe/Zurich 30 2 * * *", "2025-10-24T12:00:00Z",
			[]string{"2025-10-25T02:30:00+02:00", "2025-10-26T02:30:00+02:00", "2025-10-27T02:30:00+01:00"}},
		{"hourly skips the gap without a double slot at its end",
			"CRON_TZ=Europe/Zurich 0 * * * *", "2025-03-30T00:30:00+01:00",
			[]string{"2025-03-30T01:00:00+01:00", "2025-03-30T03:00:00+02:00", "2025-03-30T04:00:00+02:00"}},
		{"hourly has no slot in the repeated hour",
			"CRON_TZ=Europe/Zurich 0 * * * *", "2025-10-26T00:30:00+02:00",
			[]string{"2025-10-26T01:00:00+02:00", "2025-10-26T02:00:00+02:00", "2025-10-26T03:00:00+01:00", "2025-10-26T04:00:00+01:00"}},
		{"several times inside one gap share one slot",
			"CRON_TZ=Europe/Zurich */15 2 * * *", "2025-03-30T01:00:00+01:00",
			[]string{"2025-03-30T03:00:00+02:00", "2025-03-31T02:00:00+02:00", "2025-03-31T02:15:00+02:00"}},
		{"New York spring forward",
			"CRON_TZ=America/New_York 30 2 * * *", "2025-03-08T12:00:00Z",
			[]string{"2025-03-09T03:00:00-04:00", "2025-03-10T02:30:00-04:00"}},
		{"New York fall back",
			"CRON_TZ=America/New_York 30 1 * * *", "2025-11-01T12:00:00Z",
			[]string{"2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00"}},
		{"a weekday schedule keeps its day across the change",
			"CRON_TZ=America/New_York 0 17 * * 1-5", "2025-03-07T21:59:00Z",
			[]string{"2025-03-07T17:00:00-05:00", "2025-03-10T17:00:00-04:00"}},
		{"Lord Howe's half-hour gap",
			"CRON_TZ=Australia/Lord_Howe 15 2 * * *", "2025-10-04T00:00:00Z",
			[]string{"2025-10-05T02:30:00+11:00", "2025-10-06T02:15:00+11:00"}},
		{"Lord Howe's half-hour overlap",
			"CRON_TZ=Australia/Lord_Howe 45 1 * * *", "2025-04-04T00:00:00Z",
			[]string{"2025-04-05T01:45:00+11:00", "2025-04-06T01:45:00+11:00", "2025-04-07T01:45:00+10:30"}},
		{"without a zone the UTC clock",
			"0 17 * * *", "2025-03-30T00:00:00+01:00",
			[]string{"2025-03-30T17:00:00Z", "2025-03-31T17:00:00Z"}},
		{"a descriptor with a zone",
			"CRON_TZ=Europe/Zurich @daily", "2025-03-29T12:00:00Z",
			[]string{"2025-03-30T00:00:00+01:00", "2025-03-31T00:00:00+02:00"}},
		{"February 29",
			"0 0 29 2 *", "2025-01-01T00:00:00Z",
			[]string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"@every counts from the epoch, not from the time given",
			"@every 90m", "2025-01-01T00:00:00Z",
			[]string{"2025-01-01T01:30:00Z", "2025-01-01T03:00:00Z"}},
		{"@every from an odd instant",
			"@every 7m", "2025-01-01T00:00:00.5Z",
			[]string{"2025-01-01T00:05:00Z", "2025-01-01T00:12:00Z"}},
		{"@every a week falls on the epoch's Thursday",
			"@every 168h", "2025-01-01T00:00:00Z",
			[]string{"2025-01-02T00:00:00Z", "2025-01-09T00:00:00Z"}},
		{"@every in a zone returns the zone's clock, same instants",
			"CRON_TZ=Europe/Zurich @every 1h", "2025-10-26T00:30:00+02:00",
			[]string{"2025-10-26T01:00:00+02:00", "2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00", "2025-10-26T03:00:00+01:00"}},
		{"before the epoch",
			"@every 1h", "1969-12-31T22:30:00Z",
			[]string{"1969-12-31T23:00:00Z", "1970-01-01T00:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, tt.spec)
			got := slots(s, at(t, tt.from), len(tt.want))
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s from %s:\n got %v\nwant %v", tt.spec, tt.from, got, tt.want)
			}
		})
	}
}

func TestImmediate(t *testing.T) {
	s := mustParse(t, "immediate")
	now := at(t, "2025-03-30T01:30:00Z")
	if !s.IsImmediate() {
		t.Fatal("IsImmediate() = false")
	}
	if got := s.DueSlot(now); !got.Equal(now) {
		t.Errorf("DueSlot = %v, want the arrival %v", got, now)
	}
	if slot, ok := s.CatchUp(now.Add(-time.Hour), now); !ok || !slot.Equal(now) {
		t.Errorf("CatchUp = %v, %v; want now, true", slot, ok)
	}
	if _, ok := s.CatchUp(now, now); ok {
		t.Error("CatchUp(now, now) ran again")
	}
}

// Items arriving between two slots share the later one; an item arriving at
// a slot waits for the next, since that slot's run may be under way.
func TestDueSlot(t *testing.T) {
	s := mustParse(t, "CRON_TZ=Europe/Zurich 0 9,17 * * *")
	tests := []struct{ arrived, want string }{
		{"2025-03-30T09:00:00.000000001+02:00", "2025-03-30T17:00:00+02:00"},
		{"2025-03-30T12:34:56+02:00", "2025-03-30T17:00:00+02:00"},
		{"2025-03-30T16:59:59.999999999+02:00", "2025-03-30T17:00:00+02:00"},
		{"2025-03-30T17:00:00+02:00", "2025-03-31T09:00:00+02:00"},
		{"2025-03-30T02:30:00+01:00", "2025-03-30T09:00:00+02:00"},
	}
	for _, tt := range tests {
		v, err := time.Parse(time.RFC3339Nano, tt.arrived)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.DueSlot(v).Format(time.RFC3339); got != tt.want {
			t.Errorf("DueSlot(%s) = %s, want %s", tt.arrived, got, tt.want)
		}
	}
}
