package queue

import (
	"net/url"
	"strconv"
	"strings"
)

// dialect names the SQL flavour of a store; queries are written once with
// `?` placeholders and rebound for PostgreSQL.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

func (d dialect) String() string {
	if d == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// dialectOf tells which store a DSN names: a postgres URL, or else a path.
func dialectOf(dsn string) dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return dialectPostgres
	}
	return dialectSQLite
}

// sqliteDSN builds modernc's DSN for a file. WAL lets a CLI process read
// while the daemon writes; synchronous=FULL makes a commit durable (the
// intake acknowledges IMAP messages only after it); _txlock=immediate takes
// the write lock at BEGIN, so two processes wait on busy_timeout instead of
// failing a lock upgrade midway with SQLITE_BUSY.
func sqliteDSN(path string) string {
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath()}
	q := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_txlock=immediate"
	return u.String() + "?" + q
}

// rebind rewrites `?` placeholders as `$1`, `$2`... for PostgreSQL,
// leaving question marks inside quoted strings alone.
func (d dialect) rebind(query string) string {
	if d != dialectPostgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
