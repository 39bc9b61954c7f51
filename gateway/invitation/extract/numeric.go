package extract

import (
	"regexp"
	"strconv"
	"time"
)

// numericDate is d/m/y, m/d/y, d.m.y or ISO y-m-d.
var numericDate = regexp.MustCompile(`(?:^|[^\d])(\d{1,4})([./-])(\d{1,2})(?:([./-])(\d{2,4}))?(?:[^\d:]|$)`)

// numeric reads a numeric date at the start of a window itself, since its day
// and month order is the language's: decided is true when the window starts
// with one (within its first words), ok when its order is settled. French and
// Spanish write day/month; English writers use both, so an English date whose
// two first numbers could each be the month is dropped (03/04/2027), and one
// where only one can be is read that way (13/04/2027, 04/13/2027).
func numeric(lang, w string, received time.Time) (t time.Time, ok, decided bool) {
	loc := numericDate.FindStringSubmatchIndex(w)
	if loc == nil || loc[0] > 24 {
		return time.Time{}, false, false
	}
	m := numericDate.FindStringSubmatch(w)
	if (m[5] == "" && m[2] != "/") || (m[5] != "" && m[4] != m[2]) {
		return time.Time{}, false, false // 10.30 is a time; 1/2-3 is no date
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[3])
	if len(m[1]) == 4 {
		c, _ := strconv.Atoi(m[5])
		return validDay(a, b, c, received.Location())
	}
	day, month, settled := a, b, true
	if lang == "en" {
		switch {
		case a > 12 && b <= 12:
		case b > 12 && a <= 12:
			day, month = b, a
		case a != b:
			settled = false
		}
	}
	if !settled {
		return time.Time{}, false, true
	}
	if m[5] == "" {
		d := anchorYear(time.Month(month), day, received)
		return validDay(d.Year(), month, day, received.Location())
	}
	year, _ := strconv.Atoi(m[5])
	if len(m[5]) == 2 {
		year += 2000
	} else if len(m[5]) != 4 {
		return time.Time{}, false, true
	}
	return validDay(year, month, day, received.Location())
}

// validDay builds a day, refusing 31 February and month 13.
func validDay(y, m, d int, loc *time.Location) (time.Time, bool, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if m < 1 || m > 12 || t.Day() != d {
		return time.Time{}, false, true
	}
	return t, true, true
}
