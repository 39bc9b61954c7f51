package extract

import (
	"strings"
	"testing"
	"time"
)

func vcal(lines ...string) []byte {
	return []byte(strings.Join(append(append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"}, lines...), "END:VCALENDAR"), "\r\n") + "\r\n")
}

func event(dtstart string) []string {
	return []string{"BEGIN:VEVENT", "UID:1@test", "DTSTAMP:20261201T090000Z", "SUMMARY:Consultation", dtstart, "END:VEVENT"}
}

const outlookTZ = `BEGIN:VTIMEZONE
TZID:Bureau Custom Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE`

func TestCalendar(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cal  []byte
		want string // RFC 3339 of the event, "" for none
		warn bool
	}{
		{"IANA TZID", vcal(event("DTSTART;TZID=Europe/Zurich:20270302T100000")...), "2027-03-02T10:00:00+01:00", false},
		{"IANA TZID summer", vcal(event("DTSTART;TZID=Europe/Zurich:20270602T100000")...), "2027-06-02T10:00:00+02:00", false},
		{"Windows TZID", vcal(event(`DTSTART;TZID="W. Europe Standard Time":20270302T100000`)...), "2027-03-02T10:00:00+01:00", false},
		{"Windows TZID unquoted", vcal(event(`DTSTART;TZID=Eastern Standard Time:20270302T100000`)...), "2027-03-02T10:00:00-05:00", false},
		{"VTIMEZONE winter", vcal(append(strings.Split(outlookTZ, "\n"), event("DTSTART;TZID=Bureau Custom Time:20270302T100000")...)...), "2027-03-02T10:00:00+01:00", false},
		{"VTIMEZONE summer", vcal(append(strings.Split(outlookTZ, "\n"), event("DTSTART;TZID=Bureau Custom Time:20270702T100000")...)...), "2027-07-02T10:00:00+02:00", false},
		{"UTC", vcal(event("DTSTART:20270302T090000Z")...), "2027-03-02T09:00:00Z", false},
		{"floating is display zone", vcal(event("DTSTART:20270302T090000")...), "2027-03-02T09:00:00+01:00", false},
		{"all day", vcal(event("DTSTART;VALUE=DATE:20270302")...), "2027-03-02T00:00:00+01:00", false},
		{"unknown zone", vcal(event("DTSTART;TZID=Mars/Olympus:20270302T100000")...), "", true},
		{"no DTSTART", vcal("BEGIN:VEVENT", "UID:1", "END:VEVENT"), "", true},
		{"malformed", []byte("BEGIN:VCALENDAR\r\nthis is not ical\r\n"), "", true},
		{"earliest of two", vcal(append(event("DTSTART;TZID=Europe/Zurich:20270402T100000"), event("DTSTART;TZID=Europe/Zurich:20270302T100000")...)...), "2027-03-02T10:00:00+01:00", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := Calendar(tc.cal, zurich)
			got := ""
			if f.Event != nil {
				got = f.Event.Time.Format(time.RFC3339)
				if f.Event.Source != SourceCalendar || !f.Event.Source.Firm() {
					t.Errorf("source %q", f.Event.Source)
				}
			}
			if got != tc.want {
				t.Errorf("event = %q, want %q (warnings %q)", got, tc.want, f.Warnings)
			}
			if (len(f.Warnings) > 0) != tc.warn {
				t.Errorf("warnings %q, want some: %v", f.Warnings, tc.warn)
			}
			if f.Deadline != nil {
				t.Errorf("a calendar gave a deadline: %+v", f.Deadline)
			}
		})
	}
}

func TestWindowsZonesLoad(t *testing.T) {
	t.Parallel()
	for win, iana := range windowsZones {
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("%s -> %s: %v", win, iana, err)
		}
	}
}
