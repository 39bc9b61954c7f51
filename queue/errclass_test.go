package queue

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "modernc.org/sqlite/lib"
)

func TestClassifySQLState(t *testing.T) {
	for _, tc := range []struct {
		code string
		want ErrorClass
	}{
		{"22021", ClassData}, // invalid byte sequence (a NUL in TEXT)
		{"22001", ClassData}, // string data right truncation
		{"22P05", ClassData}, // untranslatable character
		{"54000", ClassData}, // index row size exceeds maximum
		{"23502", ClassData}, // not null violation
		{"23514", ClassData}, // check violation
		{"23505", ClassDuplicate},
		{"08006", ClassTransient}, // connection failure
		{"08P01", ClassTransient},
		{"57P01", ClassTransient}, // admin shutdown
		{"40001", ClassTransient}, // serialization failure
		{"40P01", ClassTransient}, // deadlock
		{"53100", ClassTransient}, // disk full
		{"23503", ClassOther},     // foreign key: not the message's value
		{"42P01", ClassOther},     // undefined table: a bug
		{"P0001", ClassOther},
		{"", ClassOther},
	} {
		err := fmt.Errorf("intake: %w", &pgconn.PgError{Code: tc.code})
		if got := Classify(err); got != tc.want {
			t.Errorf("SQLSTATE %q: %s, want %s", tc.code, got, tc.want)
		}
	}
}

func TestClassifySQLiteCodes(t *testing.T) {
	for _, tc := range []struct {
		code int
		want ErrorClass
	}{
		{sqlite3.SQLITE_TOOBIG, ClassData},
		{sqlite3.SQLITE_MISMATCH, ClassData},
		{sqlite3.SQLITE_CONSTRAINT_CHECK, ClassData},
		{sqlite3.SQLITE_CONSTRAINT_NOTNULL, ClassData},
		{sqlite3.SQLITE_CONSTRAINT_TRIGGER, ClassData},
		{sqlite3.SQLITE_CONSTRAINT_DATATYPE, ClassData},
		{sqlite3.SQLITE_CONSTRAINT_UNIQUE, ClassDuplicate},
		{sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, ClassDuplicate},
		{sqlite3.SQLITE_BUSY, ClassTransient},
		{sqlite3.SQLITE_BUSY_SNAPSHOT, ClassTransient},
		{sqlite3.SQLITE_LOCKED, ClassTransient},
		{sqlite3.SQLITE_FULL, ClassTransient}, // the store's space, not the message: retried
		{sqlite3.SQLITE_IOERR_WRITE, ClassTransient},
		{sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, ClassOther},
		{sqlite3.SQLITE_ERROR, ClassOther},
	} {
		if got := classifySQLite(tc.code); got != tc.want {
			t.Errorf("SQLite code %d: %s, want %s", tc.code, got, tc.want)
		}
	}
}

func TestClassifyNonStoreErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want ErrorClass
	}{
		{nil, ClassOther},
		{fmt.Errorf("begin: %w", driver.ErrBadConn), ClassTransient},
		{fmt.Errorf("intake: %w", context.Canceled), ClassOther},
		{ErrLeaseLost, ClassOther},
		{errors.New("something else"), ClassOther},
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}

// TestClassifyFullDisk: a full disk met writing a raw file is transient,
// as SQLITE_FULL is: the error is the kernel's own, from /dev/full.
func TestClassifyFullDisk(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full here: %v", err)
	}
	defer f.Close()
	_, err = f.Write([]byte("raw bytes"))
	if err == nil {
		t.Fatal("writing /dev/full succeeded")
	}
	if got := Classify(fmt.Errorf("store raw files: %w", err)); got != ClassTransient {
		t.Errorf("%v: %s, want transient", err, got)
	}
}

type storeErrorCase struct {
	name, query string
	args        []any
	want        ErrorClass
}

// TestClassifyRealStoreErrors classifies what each store really answers,
// not errors built by hand.
func TestClassifyRealStoreErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		insertLease := "INSERT INTO leases (name, holder, expires_at) VALUES ('x', 'me', 0)"
		if _, err := s.db.ExecContext(ctx, insertLease); err != nil {
			t.Fatal(err)
		}
		cases := []storeErrorCase{
			{"unique", insertLease, nil, ClassDuplicate},
			{"not null", "INSERT INTO leases (name, expires_at) VALUES ('y', 0)", nil, ClassData},
		}
		if strings.Contains(dsn, "://") {
			cases = append(cases,
				storeErrorCase{"nul in text", "SELECT $1::text", []any{"a\x00b"}, ClassData},
				storeErrorCase{"index row too large", "INSERT INTO leases (name, holder, expires_at) VALUES ($1, 'me', 0)",
					[]any{incompressibleText(9000)}, ClassData})
		} else {
			cases = append(cases, storeErrorCase{"too big", "SELECT zeroblob(2000000000)", nil, ClassData})
		}
		for _, tc := range cases {
			_, err := s.db.ExecContext(ctx, tc.query, tc.args...)
			if err == nil {
				t.Errorf("%s: no error", tc.name)
				continue
			}
			if got := Classify(fmt.Errorf("wrapped: %w", err)); got != tc.want {
				t.Errorf("%s: %v classified %s, want %s", tc.name, err, got, tc.want)
			}
		}
	})
}

// TestIntakeNamesTheRefusedMessage: a batch whose second message the store
// refuses (UID 0 fails CHECK (uid > 0) on both stores) records nothing and
// names that message, as a data error.
func TestIntakeNamesTheRefusedMessage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		begin(t, s, 7, 0)
		_, err := s.Intake(context.Background(), inbox, 7, []Incoming{
			message(1, "<a@x>", "a", "c1"), message(0, "<b@x>", "b", "c1"), message(3, "<c@x>", "c", "c1")})
		i, found := FailedMessage(err)
		if err == nil || !found || i != 1 || Classify(err) != ClassData {
			t.Fatalf("err %v: message %d (named %v), class %s; want message 1, data", err, i, found, Classify(err))
		}
		if msgs, _ := s.ListMessages(context.Background(), MessageFilter{}); len(msgs) != 0 {
			t.Fatalf("recorded %d messages of a failed batch", len(msgs))
		}
	})
}

// incompressibleText is n pseudo-random letters and digits: PostgreSQL
// cannot compress them below its index entry limit.
func incompressibleText(n int) string {
	var b strings.Builder
	x := uint64(0x9e3779b97f4a7c15)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for b.Len() < n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b.WriteByte(alphabet[x%uint64(len(alphabet))])
	}
	return b.String()
}
