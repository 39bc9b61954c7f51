// Package extract finds an invitation's response deadline and event date: in
// a text/calendar part (RFC 5545 VEVENT DTSTART, with TZID resolved through
// IANA names, CLDR's Windows zone names, or the part's own VTIMEZONE), in the
// readable text (English, French and Spanish keyword anchors, each followed by
// a short window read for a numeric date or a day and a month in words, by
// this package's own small reader: a general date parser's hundreds of
// locales cost a process 30 MiB of heap and 300 ms of start-up), and in a
// bureau member's `[deadline: 2027-01-15]` subject tag.
//
// It is pure CPU work with no I/O, run before the intake transaction. Bad input
// never is an error: an unparseable date is no date, a malformed calendar part
// is a warning.
package extract
