package queue

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// querier is what *sql.DB and *sql.Tx share, so one reading function
// serves both a standalone call and a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// placeholders returns "(?, ?, ...)" for n values (n >= 1).
func placeholders(n int) string {
	return "(?" + strings.Repeat(", ?", n-1) + ")"
}

// int64Args turns ids into query arguments.
func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// nullMicros stores a zero time as NULL.
func (s *Store) nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: s.micros(t), Valid: true}
}

// contains is the dialect's "column holds this substring" test, exact
// and case-sensitive (LIKE is neither, on SQLite).
func (d dialect) contains(column string) string {
	if d == dialectPostgres {
		return "strpos(" + column + ", ?) > 0"
	}
	return "instr(" + column + ", ?) > 0"
}

// stateIn adds "column IN (...)" for a non-empty list of states.
func stateIn[T ~string](where []string, args []any, column string, states []T) ([]string, []any) {
	if len(states) == 0 {
		return where, args
	}
	for _, st := range states {
		args = append(args, string(st))
	}
	return append(where, column+" IN "+placeholders(len(states))), args
}
