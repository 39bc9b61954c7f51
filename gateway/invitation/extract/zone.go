package extract

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// resolveZone turns a TZID into a location: an IANA name, a Windows name
// (Outlook writes "W. Europe Standard Time") through CLDR's table, or else the
// calendar's own VTIMEZONE of that TZID, evaluated at the local time value.
func resolveZone(cal *ical.Calendar, tzid, value string) (*time.Location, error) {
	name := strings.Trim(tzid, `"`)
	if loc, err := time.LoadLocation(name); err == nil && name != "" && name != "Local" {
		return loc, nil
	}
	if iana, ok := windowsZones[name]; ok {
		if loc, err := time.LoadLocation(iana); err == nil {
			return loc, nil
		}
	}
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			continue
		}
		if id, _ := c.Props.Text(ical.PropTimezoneID); id == tzid || id == name {
			return vtimezoneAt(c, name, value)
		}
	}
	return nil, fmt.Errorf("unknown time zone %q and no VTIMEZONE for it", name)
}

// vtimezoneAt is the fixed offset a VTIMEZONE gives at a local time: that of
// the STANDARD or DAYLIGHT observance with the latest onset at or before it.
func vtimezoneAt(tz *ical.Component, name, value string) (*time.Location, error) {
	at, err := time.Parse("20060102T150405", strings.TrimSuffix(value, "Z"))
	if err != nil {
		at, err = time.Parse("20060102", value)
	}
	if err != nil {
		return nil, fmt.Errorf("read local time %q: %w", value, err)
	}
	var best time.Time
	offset, found := 0, false
	for _, obs := range tz.Children {
		if obs.Name != ical.CompTimezoneStandard && obs.Name != ical.CompTimezoneDaylight {
			continue
		}
		onset, ok := lastOnset(obs, at)
		if !ok || (found && !onset.After(best)) {
			continue
		}
		off, err := utcOffset(obs.Props.Get(ical.PropTimezoneOffsetTo))
		if err != nil {
			return nil, err
		}
		best, offset, found = onset, off, true
	}
	if !found {
		return nil, fmt.Errorf("VTIMEZONE %q has no observance before %s", name, value)
	}
	return time.FixedZone(name, offset), nil
}

// lastOnset is the latest onset of an observance at or before at, its times
// read as floating local times (in UTC for comparison). The recurrence starts
// two years before at, not at its DTSTART: Outlook writes 1601, and the rule
// iterator stops long before four centuries.
func lastOnset(obs *ical.Component, at time.Time) (time.Time, bool) {
	start, err := obs.Props.DateTime(ical.PropDateTimeStart, time.UTC)
	if err != nil || start.After(at) {
		return time.Time{}, false
	}
	opt, err := obs.Props.RecurrenceRule()
	if err != nil || opt == nil {
		return start, true
	}
	if y := at.Year() - 2; start.Year() < y {
		start = time.Date(y, start.Month(), start.Day(), start.Hour(), start.Minute(), start.Second(), 0, time.UTC)
	}
	opt.Dtstart = start
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return start, true
	}
	if t := r.Before(at, true); !t.IsZero() {
		return t, true
	}
	return start, true
}

// utcOffset reads a TZOFFSETTO value such as +0100 or -053000.
func utcOffset(p *ical.Prop) (int, error) {
	if p == nil {
		return 0, fmt.Errorf("observance without TZOFFSETTO")
	}
	v := p.Value
	if len(v) != 5 && len(v) != 7 || (v[0] != '+' && v[0] != '-') {
		return 0, fmt.Errorf("bad UTC offset %q", v)
	}
	var h, m, s int
	if _, err := fmt.Sscanf(v[1:5], "%02d%02d", &h, &m); err != nil {
		return 0, fmt.Errorf("bad UTC offset %q", v)
	}
	if len(v) == 7 {
		if _, err := fmt.Sscanf(v[5:], "%02d", &s); err != nil {
			return 0, fmt.Errorf("bad UTC offset %q", v)
		}
	}
	off := h*3600 + m*60 + s
	if v[0] == '-' {
		off = -off
	}
	return off, nil
}
