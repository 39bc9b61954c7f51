// Package schedule turns a schedule spec from the rules file into a fixed
// series of slots: the instants at which held items (relayed replies,
// batched forwards) fall due. It does no I/O and reads no clock: every
// instant it works from is passed in.
//
// # Specs
//
// A spec is "immediate", or a robfig/cron/v3 standard spec (five fields:
// minute, hour, day of month, month, day of week), or a descriptor (@yearly,
// @monthly, @weekly, @daily, @midnight, @hourly, @every DURATION), optionally
// preceded by CRON_TZ=ZONE (or TZ=ZONE) naming an IANA time zone, e.g.
// "CRON_TZ=Europe/Zurich 0 17 * * 1-5". Without a zone a spec reads the UTC
// clock: the host's zone is not part of the rules, and a gateway moved to
// another machine must not change when it relays. The IANA database is
// embedded (time/tzdata), so zone names resolve on hosts without one.
//
// # One fixed series per schedule
//
// Slots do not depend on when the daemon started. "@every D" has a slot at
// every multiple of D counted from the Unix epoch (robfig/cron counts from
// whatever time it is given, which would move the series at every restart),
// so "@every 24h" is midnight UTC; write "CRON_TZ=Zone @daily" for local
// midnight. An item is due at the first slot strictly after it arrived
// ([Schedule.DueSlot]), so items arriving between two slots share one
// digest. "immediate" has a slot at every instant: an item is due when it
// arrives.
//
// # Daylight-saving time
//
// A wall-clock slot (any spec but @every and immediate) is the first instant
// at which the zone's clock reads the slot's time or later. That one rule
// gives what a bureau expects where robfig/cron v3 does not (it skips a time
// that falls in a spring-forward gap and fires twice in a fall-back hour):
//
//   - a time in a spring-forward gap runs once, at the first instant after
//     the gap: a 02:30 daily relay in Europe/Zurich runs at 03:00 CEST on the
//     last Sunday of March. Several times inside one gap (every 15 minutes
//     from 02:00, say) share that one instant, so they run once.
//   - a time in a fall-back overlap runs once, at its first occurrence: the
//     02:30 relay runs at 02:30 CEST on the last Sunday of October, not again
//     at 02:30 CET. A schedule firing every hour therefore has no slot in the
//     repeated hour: its items wait for 03:00 CET. Write "@every 1h" for a
//     series that ignores the wall clock.
//
// The same holds for half-hour shifts (Australia/Lord_Howe) and for any
// other change of a zone's offset.
//
// # Catching up
//
// The caller persists each schedule's last completed slot (keyed by
// [Schedule.String]). [Schedule.CatchUp] returns the latest slot since then,
// so slots missed while the daemon was down run once, not once each:
// running the latest slot sends every item due at or before it.
package schedule
