package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MailboxKey names one watched mailbox.
type MailboxKey struct{ Account, Mailbox string }

// Epoch is one UIDVALIDITY of a mailbox (RFC 9051 section 2.3.1.1): UIDs
// are unique only within it.
type Epoch struct {
	UIDValidity uint32
	// LastUID is the watermark: every UID up to it has been processed.
	LastUID uint32
	// FingerprintBelow: UIDs below it were in the mailbox when this
	// UIDVALIDITY replaced an earlier one, so they may be messages already
	// processed under the old one, and are checked by fingerprint.
	FingerprintBelow uint32
	// Start is the mailbox's start boundary: mail received before it is
	// not taken (config `start`). Zero: none (start: all). A new
	// UIDVALIDITY keeps the boundary of the mailbox's first epoch.
	Start time.Time
}

// Position is what the store knows of a mailbox's UIDVALIDITY.
type Position struct {
	Known    bool   // this UIDVALIDITY has an epoch
	AnyEpoch bool   // some epoch was ever recorded for the mailbox
	LastUID  uint32 // the watermark of this UIDVALIDITY, when Known
	// FingerprintBelow of this UIDVALIDITY, when Known.
	FingerprintBelow uint32
	// Start is the mailbox's start boundary, when AnyEpoch: its first
	// epoch's, or that epoch's creation for an epoch recorded before
	// boundaries were (start: now was the default). Zero: none.
	Start time.Time
	// Began is when this UIDVALIDITY's epoch was recorded, when Known.
	Began time.Time
}

// Position reports the watermark of key under uidValidity, and whether the
// mailbox was ever seen (a new UIDVALIDITY of a known mailbox is a reset).
func (s *Store) Position(ctx context.Context, key MailboxKey, uidValidity uint32) (Position, error) {
	var pos Position
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		e, err := s.epochTx(ctx, tx, key, uidValidity)
		if err == nil {
			pos = Position{Known: true, LastUID: e.LastUID, FingerprintBelow: e.FingerprintBelow}
		} else if !errors.Is(err, ErrNoEpoch) {
			return err
		}
		return s.mailboxStartTx(ctx, tx, key, uidValidity, &pos)
	})
	if err != nil {
		return Position{}, fmt.Errorf("read position of %s/%s: %w", key.Account, key.Mailbox, err)
	}
	return pos, nil
}

// mailboxStartTx fills pos's AnyEpoch and Start from the mailbox's first
// epoch, and Began from uidValidity's.
func (s *Store) mailboxStartTx(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity uint32, pos *Position) error {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT uidvalidity, start_at, created_at FROM mailbox_epochs
		WHERE account = ? AND mailbox = ? ORDER BY created_at, uidvalidity`), key.Account, key.Mailbox)
	if err != nil {
		return fmt.Errorf("read epochs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uv, created int64
		var start sql.NullInt64
		if err := rows.Scan(&uv, &start, &created); err != nil {
			return fmt.Errorf("scan epoch: %w", err)
		}
		if !pos.AnyEpoch {
			pos.AnyEpoch, pos.Start = true, epochStart(start, created)
		}
		if uint32(uv) == uidValidity {
			pos.Began = time.UnixMicro(created).UTC()
		}
	}
	return rows.Err()
}

func epochStart(start sql.NullInt64, created int64) time.Time {
	switch {
	case !start.Valid:
		return time.UnixMicro(created).UTC()
	case start.Int64 == 0:
		return time.Time{}
	}
	return time.UnixMicro(start.Int64).UTC()
}

// BeginEpoch records a UIDVALIDITY with its starting watermark. Recording
// an epoch that exists already changes nothing.
func (s *Store) BeginEpoch(ctx context.Context, key MailboxKey, e Epoch) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO mailbox_epochs
			(account, mailbox, uidvalidity, last_uid, fingerprint_below, created_at, start_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			key.Account, key.Mailbox, int64(e.UIDValidity), int64(e.LastUID),
			int64(e.FingerprintBelow), s.micros(s.now()), startMicros(e.Start))
		return err
	})
	if err != nil {
		return fmt.Errorf("begin epoch %d of %s/%s: %w", e.UIDValidity, key.Account, key.Mailbox, err)
	}
	return nil
}

func startMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func (s *Store) epochTx(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity uint32) (Epoch, error) {
	var last, below int64
	err := stmt(ctx, tx, s.stmts.epoch).QueryRowContext(ctx, key.Account, key.Mailbox, int64(uidValidity)).Scan(&last, &below)
	if errors.Is(err, sql.ErrNoRows) {
		return Epoch{}, ErrNoEpoch
	}
	if err != nil {
		return Epoch{}, fmt.Errorf("read epoch: %w", err)
	}
	return Epoch{UIDValidity: uidValidity, LastUID: uint32(last), FingerprintBelow: uint32(below)}, nil
}

func (s *Store) advanceEpochTx(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity, uid uint32) error {
	_, err := stmt(ctx, tx, s.stmts.advanceEpoch).ExecContext(ctx, int64(uid), key.Account, key.Mailbox, int64(uidValidity), int64(uid))
	if err != nil {
		return fmt.Errorf("advance watermark: %w", err)
	}
	return nil
}

// KnownFallbacks reports which of the fallback fingerprints (Message-ID,
// Date, From) belong to a message processed under another UIDVALIDITY of
// the mailbox: after a reset, what a header fetch can recognise before any
// whole message is downloaded.
func (s *Store) KnownFallbacks(ctx context.Context, key MailboxKey, uidValidity uint32, fps []string) (map[string]bool, error) {
	known := map[string]bool{}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, fp := range fps {
			if fp == "" || known[fp] {
				continue
			}
			var found bool
			if err := tx.QueryRowContext(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM messages
				WHERE account = ? AND mailbox = ? AND uidvalidity <> ? AND fallback_fingerprint = ?)`),
				key.Account, key.Mailbox, int64(uidValidity), fp).Scan(&found); err != nil {
				return err
			}
			known[fp] = found
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up fallback fingerprints in %s/%s: %w", key.Account, key.Mailbox, err)
	}
	return known, nil
}

// MessageRefByUID returns the record of (key, uidValidity, uid), 0 when
// there is none.
func (s *Store) MessageRefByUID(ctx context.Context, key MailboxKey, uidValidity, uid uint32) (int64, error) {
	var ref int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		ref, err = s.processedRef(ctx, tx, key, uidValidity, uid)
		return err
	})
	return ref, err
}
