package queue

import (
	"context"
	"database/sql"
	"encoding/json"
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

// ForwardedMessageIDs says which of these Message-IDs had deliveries: the
// loop guard's question when a Message-ID comes back, asked once for a
// fetched batch. The answer is keyed by the IDs as given; each is looked
// up by the text it would be stored under (StorableText), and empty ones
// are not asked about.
func (s *Store) ForwardedMessageIDs(ctx context.Context, messageIDs []string) (map[string]bool, error) {
	given := map[string][]string{} // stored text: the IDs given for it
	var asked []string
	for _, id := range messageIDs {
		if id == "" {
			continue
		}
		st := storableText(id)
		if given[st] == nil {
			asked = append(asked, st)
		}
		given[st] = append(given[st], id)
	}
	found := map[string]bool{}
	if len(asked) == 0 {
		return found, nil
	}
	var arg any = asked // PostgreSQL: a text[]
	if s.dialect == dialectSQLite {
		encoded, err := json.Marshal(asked)
		if err != nil {
			return nil, fmt.Errorf("look up forwarded message-ids: %w", err)
		}
		arg = string(encoded)
	}
	rows, err := s.stmts.forwardedMessageIDs.QueryContext(ctx, arg)
	if err != nil {
		return nil, fmt.Errorf("look up forwarded message-ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			return nil, fmt.Errorf("look up forwarded message-ids: %w", err)
		}
		for _, id := range given[st] {
			found[id] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up forwarded message-ids: %w", err)
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
