package queue

import (
	"strconv"
	"time"
)

// pgClock is PostgreSQL's time in unix microseconds, as our tables keep
// times. clock_timestamp(), not now(): now() is the start of the
// transaction.
const pgClock = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)"

// dbNow is the SQL expression of the time that leases, heartbeats, reclaim
// decisions and slot claims are compared with. On PostgreSQL, where
// several hosts share the store, it is the database's clock: hosts'
// clocks disagree, and one running behind would have a live instance
// declared dead. On SQLite one host holds the store and its clock is the
// store's (Options.Now); the holders guard against its jumps instead (a
// record ahead of now counts as not held, and each holder keeps a
// monotonic deadline). Tests replace PostgreSQL's with Options.DBNow.
func (s *Store) dbNow() string {
	switch {
	case s.dialect == dialectSQLite:
		return strconv.FormatInt(s.micros(s.now()), 10)
	case s.opts.DBNow != nil:
		return strconv.FormatInt(s.micros(s.opts.DBNow()), 10)
	}
	return pgClock
}

// aheadSlack is how far past its TTL a record may lie ahead of now before
// it counts as recorded by a clock that jumped: callers compute their
// "now" before they wait for the store's lock, so a record written a
// moment later by another caller can lie slightly ahead of it.
const aheadSlack = time.Minute

// ahead is the SQL bound beyond which a time recorded ttl ahead of now
// was written by a clock that jumped.
func (s *Store) ahead(ttl time.Duration) string {
	return s.dbNow() + " + " + strconv.FormatInt((ttl+aheadSlack).Microseconds(), 10)
}
