package queue

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrorClass says what a store error means for the write that met it, and
// so what the caller does next. It is decided here alone, for both stores.
type ErrorClass int

// Error classes.
const (
	// ClassOther is anything else (a bug, a lost lease, a cancelled
	// context): the caller fails and retries as it always did.
	ClassOther ErrorClass = iota
	// ClassTransient is the connection or the store's concurrency, never
	// the data: a lost connection (SQLSTATE 08xxx, 57P01), a serialization
	// failure or deadlock (40001, 40P01), a store out of resources (53xxx),
	// a busy or locked SQLite, a full or failing disk. Retrying the same
	// write later succeeds.
	ClassTransient
	// ClassData is a value the store refuses, every time it is offered:
	// PostgreSQL's data exceptions (class 22: an invalid byte sequence, a
	// value too long), an index entry too large (54000), a NOT NULL or
	// CHECK violation (23502, 23514); SQLite's SQLITE_TOOBIG,
	// SQLITE_MISMATCH and CHECK, NOT NULL, datatype or trigger constraint
	// failures. Retrying the same write fails the same way.
	ClassData
	// ClassDuplicate is a unique key taken already (23505,
	// SQLITE_CONSTRAINT_UNIQUE or _PRIMARYKEY): another writer got there
	// first. It is a race, not a bad value.
	ClassDuplicate
)

// String names the class in logs.
func (c ErrorClass) String() string {
	switch c {
	case ClassTransient:
		return "transient"
	case ClassData:
		return "data"
	case ClassDuplicate:
		return "duplicate"
	}
	return "other"
}

// Classify says what err, or the store error it wraps, means.
func Classify(err error) ErrorClass {
	if err == nil {
		return ClassOther
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return classifySQLState(pg.Code)
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return classifySQLite(lite.Code())
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ClassOther
	}
	var netErr net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.As(err, &netErr) || pgconn.SafeToRetry(err) || diskFull(err) {
		return ClassTransient
	}
	return ClassOther
}

// diskFull says err is a full or failing disk met outside the database
// (a raw file, a spool file): transient, as SQLITE_FULL and SQLITE_IOERR
// are inside it.
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EIO)
}

// classifySQLState classifies a PostgreSQL SQLSTATE (Appendix A of its
// manual).
func classifySQLState(code string) ErrorClass {
	switch {
	case len(code) != 5:
		return ClassOther
	case code == "23505":
		return ClassDuplicate
	case code[:2] == "22", code == "54000", code == "23502", code == "23514":
		return ClassData
	case code[:2] == "08", code[:2] == "53", code[:3] == "57P", code == "40001", code == "40P01":
		return ClassTransient
	}
	return ClassOther
}

// classifySQLite classifies an extended SQLite result code.
func classifySQLite(code int) ErrorClass {
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return ClassDuplicate
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL,
		sqlite3.SQLITE_CONSTRAINT_DATATYPE, sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return ClassData
	}
	switch code & 0xff {
	case sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH:
		return ClassData
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_PROTOCOL:
		return ClassTransient
	}
	return ClassOther
}

// MessageError is an Intake that failed on one message of its batch: the
// store refused a record of that message (Err says why, Classify(Err)
// whether a retry can help). Nothing of the batch was recorded.
type MessageError struct {
	Index int    // in the batch given to Intake
	UID   uint32 // the message's UID
	Err   error
}

func (e *MessageError) Error() string { return fmt.Sprintf("uid %d: %v", e.UID, e.Err) }
func (e *MessageError) Unwrap() error { return e.Err }

// FailedMessage returns the index, in its batch, of the message an
// Intake error is about; false when the error is about no one message.
func FailedMessage(err error) (int, bool) {
	var me *MessageError
	if errors.As(err, &me) {
		return me.Index, true
	}
	return 0, false
}
