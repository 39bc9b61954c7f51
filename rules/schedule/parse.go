package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // CRON_TZ= names must resolve on hosts without a zoneinfo database

	"github.com/robfig/cron/v3"
)

// Immediate is the spec of the schedule whose items are due on arrival.
const Immediate = "immediate"

const everyPrefix = "@every"

// Parse parses a schedule spec: "immediate", a five-field cron spec, or a
// descriptor (@daily, @every 30m, ...), optionally preceded by
// CRON_TZ=ZONE or TZ=ZONE with an IANA zone name. A spec without a zone
// reads the UTC clock. The error says what is wrong and what is expected.
func Parse(spec string) (*Schedule, error) {
	s, err := parse(spec)
	if err != nil {
		return nil, fmt.Errorf("parse schedule %q: %w", spec, err)
	}
	return s, nil
}

func parse(spec string) (*Schedule, error) {
	rest := strings.TrimSpace(spec)
	if rest == "" {
		return nil, errors.New(`empty; write "immediate", a cron spec such as "CRON_TZ=Europe/Zurich 0 17 * * 1-5", or "@every 30m"`)
	}
	if strings.EqualFold(rest, Immediate) {
		return &Schedule{spec: spec, loc: time.UTC}, nil
	}
	loc, rest, err := splitZone(rest)
	if err != nil {
		return nil, err
	}
	sr, err := parseSeries(rest, loc)
	if err != nil {
		return nil, err
	}
	return &Schedule{spec: spec, loc: loc, series: sr}, nil
}

// splitZone takes a leading CRON_TZ=ZONE (or TZ=ZONE) off a spec.
func splitZone(spec string) (*time.Location, string, error) {
	name, rest, ok := cutZone(spec)
	if !ok {
		return time.UTC, spec, nil
	}
	if rest == "" {
		return nil, "", fmt.Errorf("nothing after the time zone %q; write e.g. \"CRON_TZ=%s 0 17 * * *\"", name, name)
	}
	if _, _, again := cutZone(rest); again {
		return nil, "", errors.New("more than one time zone")
	}
	if strings.EqualFold(rest, Immediate) {
		return nil, "", errors.New(`"immediate" takes no time zone`)
	}
	loc, err := loadZone(name)
	if err != nil {
		return nil, "", err
	}
	return loc, rest, nil
}

// cutZone splits "CRON_TZ=NAME REST" into NAME and REST.
func cutZone(spec string) (name, rest string, ok bool) {
	for _, prefix := range []string{"CRON_TZ=", "TZ="} {
		if after, found := strings.CutPrefix(spec, prefix); found {
			name = after
			if i := strings.IndexAny(after, " \t"); i >= 0 {
				name, rest = after[:i], after[i+1:]
			}
			return name, strings.TrimSpace(rest), true
		}
	}
	return "", "", false
}

// loadZone loads an IANA zone by name. "Local" is refused: it would make
// the schedule depend on the host, and the rules must mean the same
// everywhere.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, errors.New(`empty time zone; write an IANA name such as "CRON_TZ=Europe/Zurich"`)
	}
	if name == "Local" {
		return nil, errors.New(`time zone "Local" depends on the host; write an IANA name such as "CRON_TZ=Europe/Zurich"`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		// time's own error repeats the name and says nothing more.
		return nil, fmt.Errorf("unknown time zone %q (IANA names such as Europe/Zurich or America/New_York)", name)
	}
	return loc, nil
}

// parseSeries parses what follows the zone.
func parseSeries(spec string, loc *time.Location) (series, error) {
	if after, ok := strings.CutPrefix(spec, everyPrefix); ok && (after == "" || after[0] == ' ' || after[0] == '\t') {
		return parseEvery(strings.TrimSpace(after))
	}
	fields, err := parseFields(spec)
	if err != nil {
		return nil, err
	}
	w := wallClock{fields: fields, loc: loc}
	// robfig/cron looks five years ahead, longer than the four-year cycle
	// of February 29: a spec with no slot within five years of any instant
	// has none at all.
	if w.next(time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, errors.New("no date matches it (a day that the chosen months never have?)")
	}
	return w, nil
}

// parseFields parses a five-field spec or a descriptor other than @every
// with robfig/cron, as readings of a UTC clock. The zone prefix is parsed
// before, not by robfig/cron, which panics on "CRON_TZ=Zone" alone.
func parseFields(spec string) (f *cron.SpecSchedule, err error) {
	defer func() {
		// robfig/cron indexes its input unchecked in places; a panic on an
		// admin's typo must be a load error, not a crash.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("malformed cron spec: %v", r)
		}
	}()
	p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	parsed, err := p.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%w; a cron spec has five fields: minute hour day-of-month month day-of-week", err)
	}
	f, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("unsupported schedule %T", parsed)
	}
	copied := *f
	copied.Location = time.UTC
	return &copied, nil
}

// parseEvery parses the duration of "@every D". robfig/cron turns zero,
// negative and sub-second durations into one second and drops fractions of
// a second silently; each of those is an error here.
func parseEvery(text string) (series, error) {
	if text == "" {
		return nil, errors.New(`"@every" needs a duration, such as "@every 30m"`)
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return nil, fmt.Errorf("bad duration after @every (write e.g. 30m, 1h30m, 24h): %w", err)
	}
	if d < time.Second {
		return nil, fmt.Errorf("@every %s: the interval must be at least one second", text)
	}
	if d%time.Second != 0 {
		return nil, fmt.Errorf("@every %s: the interval must be a whole number of seconds", text)
	}
	return every{secs: int64(d / time.Second)}, nil
}
