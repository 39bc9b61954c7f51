package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
}

// Position is what the store knows of a mailbox's UIDVALIDITY.
type Position struct {
	Known    bool   // this UIDVALIDITY has an epoch
	AnyEpoch bool   // some epoch was ever recorded for the mailbox
	LastUID  uint32 // the watermark of this UIDVALIDITY, when Known
	// FingerprintBelow of this UIDVALIDITY, when Known.
	FingerprintBelow uint32
}

// Position reports the watermark of key under uidValidity, and whether the
// mailbox was ever seen (a new UIDVALIDITY of a known mailbox is a reset).
func (s *Store) Position(ctx context.Context, key MailboxKey, uidValidity uint32) (Position, error) {
	var pos Position
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		e, err := s.epochTx(ctx, tx, key, uidValidity)
		if err == nil {
			pos = Position{Known: true, AnyEpoch: true, LastUID: e.LastUID, FingerprintBelow: e.FingerprintBelow}
			return nil
		}
		if !errors.Is(err, ErrNoEpoch) {
			return err
		}
		return tx.QueryRowContext(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM mailbox_epochs
			WHERE account = ? AND mailbox = ?)`), key.Account, key.Mailbox).Scan(&pos.AnyEpoch)
	})
	if err != nil {
		return Position{}, fmt.Errorf("read position of %s/%s: %w", key.Account, key.Mailbox, err)
	}
	return pos, nil
}

// BeginEpoch records a UIDVALIDITY with its starting watermark. Recording
// an epoch that exists already changes nothing.
func (s *Store) BeginEpoch(ctx context.Context, key MailboxKey, e Epoch) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO mailbox_epochs
			(account, mailbox, uidvalidity, last_uid, fingerprint_below, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			key.Account, key.Mailbox, int64(e.UIDValidity), int64(e.LastUID),
			int64(e.FingerprintBelow), s.micros(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("begin epoch %d of %s/%s: %w", e.UIDValidity, key.Account, key.Mailbox, err)
	}
	return nil
}

func (s *Store) epochTx(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity uint32) (Epoch, error) {
	var last, below int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT last_uid, fingerprint_below FROM mailbox_epochs
		WHERE account = ? AND mailbox = ? AND uidvalidity = ?`),
		key.Account, key.Mailbox, int64(uidValidity)).Scan(&last, &below)
	if errors.Is(err, sql.ErrNoRows) {
		return Epoch{}, ErrNoEpoch
	}
	if err != nil {
		return Epoch{}, fmt.Errorf("read epoch: %w", err)
	}
	return Epoch{UIDValidity: uidValidity, LastUID: uint32(last), FingerprintBelow: uint32(below)}, nil
}

func (s *Store) advanceEpochTx(ctx context.Context, tx *sql.Tx, key MailboxKey, uidValidity, uid uint32) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE mailbox_epochs SET last_uid = ?
		WHERE account = ? AND mailbox = ? AND uidvalidity = ? AND last_uid < ?`),
		int64(uid), key.Account, key.Mailbox, int64(uidValidity), int64(uid))
	if err != nil {
		return fmt.Errorf("advance watermark: %w", err)
	}
	return nil
}
