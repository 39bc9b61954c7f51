// Package extract finds an invitation's response deadline and event date: in
// a text/calendar part (RFC 5545 VEVENT DTSTART, with TZID resolved through
// IANA names, CLDR's Windows zone names, or the part's own VTIMEZONE), in the
// readable text (English, French and Spanish keyword anchors, each followed by
// a short window given to go-dateparser), and in a bureau member's
// `[deadline: 2027-01-15]` subject tag.
//
// It is pure CPU work with no I/O, run before the intake transaction. Bad input
// never is an error: an unparseable date is no date, a malformed calendar part
// is a warning.
package extract
