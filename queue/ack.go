package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// MarkAcked records that the IMAP server acknowledged these messages
// (keyword set, or moved). Unknown UIDs are ignored.
//
// One statement covers up to ackChunk UIDs: a statement a UID was a round
// trip each on PostgreSQL and a statement prepared anew each on SQLite, for
// every message forwarded (issue 12).
func (s *Store) MarkAcked(ctx context.Context, key MailboxKey, uidValidity uint32, uids []uint32) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.micros(s.now())
		for chunk := range slices.Chunk(uids, ackChunk) {
			args := []any{now, key.Account, key.Mailbox, int64(uidValidity)}
			for _, uid := range chunk {
				args = append(args, int64(uid))
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE messages SET acked_at = ?
				WHERE account = ? AND mailbox = ? AND uidvalidity = ? AND acked_at IS NULL
				AND uid IN `+placeholders(len(chunk))), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark acked in %s/%s: %w", key.Account, key.Mailbox, err)
	}
	return nil
}

// ackChunk bounds the UIDs of one acknowledging statement, well inside
// SQLite's limit of 32766 variables and PostgreSQL's of 65535.
const ackChunk = 500

// Unacked lists, in UID order, the messages processed under uidValidity but
// not yet acknowledged on the server (the intake committed, then the
// process stopped before the acknowledgement).
func (s *Store) Unacked(ctx context.Context, key MailboxKey, uidValidity uint32) ([]uint32, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT uid FROM messages
		WHERE account = ? AND mailbox = ? AND uidvalidity = ? AND acked_at IS NULL ORDER BY uid`),
		key.Account, key.Mailbox, int64(uidValidity))
	if err != nil {
		return nil, fmt.Errorf("list unacked in %s/%s: %w", key.Account, key.Mailbox, err)
	}
	defer rows.Close()
	var uids []uint32
	for rows.Next() {
		var uid int64
		if err := rows.Scan(&uid); err != nil {
			return nil, fmt.Errorf("scan unacked: %w", err)
		}
		uids = append(uids, uint32(uid))
	}
	return uids, rows.Err()
}

// ForwardedMessageID reports whether a message with this Message-ID had
// deliveries: the loop guard's question when the Message-ID comes back.
func (s *Store) ForwardedMessageID(ctx context.Context, messageID string) (bool, error) {
	var found bool
	err := s.stmts.forwardedMessageID.QueryRowContext(ctx, messageID).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("look up forwarded message-id: %w", err)
	}
	return found, nil
}

// OldestUnacked returns the store reference of the oldest message processed
// under uidValidity and not yet acknowledged on the server, and false when
// there is none: an alert about the backlog hangs on it.
func (s *Store) OldestUnacked(ctx context.Context, key MailboxKey, uidValidity uint32) (int64, bool, error) {
	var ref int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id FROM messages
		WHERE account = ? AND mailbox = ? AND uidvalidity = ? AND acked_at IS NULL ORDER BY uid LIMIT 1`),
		key.Account, key.Mailbox, int64(uidValidity)).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("find oldest unacked in %s/%s: %w", key.Account, key.Mailbox, err)
	}
	return ref, true, nil
}
