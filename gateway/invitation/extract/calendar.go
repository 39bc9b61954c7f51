package extract

import (
	"bytes"
	"fmt"
	"time"

	"github.com/emersion/go-ical"
)

// maxCalendar bounds the calendar part handed to the decoder.
const maxCalendar = 1 << 20

// Calendar reads the earliest VEVENT DTSTART of a text/calendar part as the
// event date. A date-only DTSTART is midnight in loc. A part that cannot be
// read is a warning, not an error.
func Calendar(data []byte, loc *time.Location) Found {
	if len(data) > maxCalendar {
		return Found{Warnings: []string{"calendar part too large: ignored"}}
	}
	cal, err := decode(data)
	if err != nil {
		return Found{Warnings: []string{fmt.Sprintf("calendar part unreadable: %v", err)}}
	}
	var f Found
	for _, ev := range cal.Events() {
		t, phrase, err := eventStart(cal, ev.Component, loc)
		if err != nil {
			f.Warnings = append(f.Warnings, fmt.Sprintf("calendar event: %v", err))
			continue
		}
		if f.Event == nil || t.Before(f.Event.Time) {
			f.Event = &Date{Time: t, Source: SourceCalendar, Phrase: phrase}
		}
	}
	return f
}

// eventStart is a VEVENT's DTSTART in the zone its TZID names.
func eventStart(cal *ical.Calendar, ev *ical.Component, loc *time.Location) (time.Time, string, error) {
	prop := ev.Props.Get(ical.PropDateTimeStart)
	if prop == nil {
		return time.Time{}, "", fmt.Errorf("no DTSTART")
	}
	phrase := "DTSTART:" + prop.Value
	if summary, _ := ev.Props.Text(ical.PropSummary); summary != "" {
		phrase = summary + " (" + phrase + ")"
	}
	p := *prop
	p.Params = ical.Params{}
	if v := prop.Params.Get(ical.ParamValue); v != "" {
		p.Params.Set(ical.ParamValue, v)
	}
	zone := loc
	if tzid := prop.Params.Get(ical.PropTimezoneID); tzid != "" {
		z, err := resolveZone(cal, tzid, prop.Value)
		if err != nil {
			return time.Time{}, "", err
		}
		zone = z
	}
	t, err := p.DateTime(zone)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("read DTSTART %q: %w", prop.Value, err)
	}
	return t, phrase, nil
}

// decode reads a calendar, turning the decoder's panics on some malformed
// parameters (an index out of range in go-ical's lineDecoder.peek, found by
// FuzzCalendar) into errors.
func decode(data []byte) (cal *ical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, fmt.Errorf("malformed calendar: %v", r)
		}
	}()
	return ical.NewDecoder(bytes.NewReader(data)).Decode()
}
