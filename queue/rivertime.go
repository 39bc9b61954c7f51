package queue

import "time"

// riverTime is t as River's tables hold it: on SQLite a UTC text with
// milliseconds in the one format its queries compare correctly (see
// riversqlite's timeString), on PostgreSQL a timestamptz rounded to the
// microsecond as River's driver sends it (pgx's binary encoding would
// truncate). Zero is NULL.
func (s *Store) riverTime(t time.Time) any {
	switch {
	case t.IsZero():
		return nil
	case s.dialect == dialectSQLite:
		return t.UTC().Round(time.Millisecond).Format("2006-01-02 15:04:05.000")
	default:
		return riverTimePostgres(t)
	}
}

// riverTimePostgres is a time as River's PostgreSQL driver sends it.
func riverTimePostgres(t time.Time) time.Time { return t.UTC().Round(time.Microsecond) }
