package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ListState is what a list caucus's server did with one of our copies, as
// far as the gateway learnt it (issue 10, "Is the copy distributed?").
type ListState string

const (
	// ListDistributed: our copy came back through the list.
	ListDistributed ListState = "distributed"
	// ListHeld: the list's notice says it holds the copy for a moderator.
	ListHeld ListState = "held"
	// ListRejected: the list's notice, or a bounce report to the caucus's
	// envelope, says it refused the copy.
	ListRejected ListState = "rejected"
	// ListNotSeen: no confirmation within lists.confirm_within.
	ListNotSeen ListState = "not_seen"
)

// ListConfirmation is the list's answer about one delivery.
type ListConfirmation struct {
	DeliveryID int64     `json:"delivery_id"`
	Caucus     string    `json:"caucus"`
	State      ListState `json:"state"`
	Detail     string    `json:"detail,omitempty"`
	At         time.Time `json:"at"`
}

// ConfirmList records what the list did with a delivery. Any state but
// ListNotSeen replaces what was known (a held copy approved later comes
// back distributed); ListNotSeen is written only where nothing is known,
// and reports whether it was (so that notify is told once).
func (s *Store) ConfirmList(ctx context.Context, c ListConfirmation) (bool, error) {
	onConflict := `ON CONFLICT (delivery_id) DO UPDATE SET state = excluded.state, detail = excluded.detail, at = excluded.at`
	if c.State == ListNotSeen {
		onConflict = `ON CONFLICT DO NOTHING`
	}
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO list_confirmations (delivery_id, caucus, state, detail, at)
		VALUES (?, ?, ?, ?, ?) `+onConflict), c.DeliveryID, c.Caucus, string(c.State), c.Detail, s.micros(c.At))
	if err != nil {
		return false, fmt.Errorf("record list confirmation of delivery %d: %w", c.DeliveryID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ListConfirmationOf is what is known of a delivery; ErrNotFound when
// nothing is.
func (s *Store) ListConfirmationOf(ctx context.Context, deliveryID int64) (ListConfirmation, error) {
	var c ListConfirmation
	var state string
	var at int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT delivery_id, caucus, state, detail, at FROM list_confirmations
		WHERE delivery_id = ?`), deliveryID).Scan(&c.DeliveryID, &c.Caucus, &state, &c.Detail, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return ListConfirmation{}, fmt.Errorf("list confirmation of delivery %d: %w", deliveryID, ErrNotFound)
	}
	if err != nil {
		return ListConfirmation{}, fmt.Errorf("read list confirmation of delivery %d: %w", deliveryID, err)
	}
	c.State, c.At = ListState(state), time.UnixMicro(at)
	return c, nil
}

// ListCopy is one copy sent to a list caucus.
type ListCopy struct {
	DeliveryID int64     `json:"delivery_id"`
	MessageRef int64     `json:"message_ref"`
	Caucus     string    `json:"caucus"`
	MessageID  string    `json:"message_id"`
	Subject    string    `json:"subject"`
	SentAt     time.Time `json:"sent_at"`
	// State is what the list did with it, "" while nothing is known.
	State ListState `json:"state,omitempty"`
}

// ListCopies are the copies sent from a caucus's list envelope (the
// fixed envelope sender of its copies) between from and before, newest
// first, with what is known of each.
func (s *Store) ListCopies(ctx context.Context, envelope string, from, before time.Time, limit int) ([]ListCopy, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT d.id, d.message_ref, d.caucus, m.message_id, m.subject, d.sent_at, COALESCE(c.state, '')
		FROM deliveries d JOIN messages m ON m.id = d.message_ref
		LEFT JOIN list_confirmations c ON c.delivery_id = d.id
		WHERE d.envelope_from = ? AND d.state = ? AND d.sent_at >= ? AND d.sent_at < ?
		ORDER BY d.sent_at DESC, d.id DESC LIMIT ?`),
		envelope, string(StateSent), s.micros(from), s.micros(before), limit)
	if err != nil {
		return nil, fmt.Errorf("list copies from %s: %w", envelope, err)
	}
	defer rows.Close()
	var out []ListCopy
	for rows.Next() {
		var c ListCopy
		var sent int64
		var state string
		if err := rows.Scan(&c.DeliveryID, &c.MessageRef, &c.Caucus, &c.MessageID, &c.Subject, &sent, &state); err != nil {
			return nil, fmt.Errorf("scan list copy: %w", err)
		}
		c.SentAt, c.State = time.UnixMicro(sent), ListState(state)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ListWarning is what an admin must fix about a caucus's list.
type ListWarning struct {
	Caucus    string    `json:"caucus"`
	Kind      string    `json:"kind"`
	Detail    string    `json:"detail"`
	MessageID string    `json:"message_id,omitempty"`
	At        time.Time `json:"at"`
}

// WarnList records a warning about a caucus's list, replacing the earlier
// one.
func (s *Store) WarnList(ctx context.Context, w ListWarning) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO list_warnings (caucus, kind, detail, message_id, at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (caucus) DO UPDATE SET kind = excluded.kind, detail = excluded.detail,
		message_id = excluded.message_id, at = excluded.at`), w.Caucus, w.Kind, w.Detail, w.MessageID, s.micros(w.At))
	if err != nil {
		return fmt.Errorf("warn about the list of %s: %w", w.Caucus, err)
	}
	return nil
}

// ClearListWarning removes a caucus's warning (its list was fixed); none
// is no error.
func (s *Store) ClearListWarning(ctx context.Context, caucus string) error {
	if _, err := s.db.ExecContext(ctx, s.q("DELETE FROM list_warnings WHERE caucus = ?"), caucus); err != nil {
		return fmt.Errorf("clear the list warning of %s: %w", caucus, err)
	}
	return nil
}

// ListWarnings are the warnings about caucuses' lists, by caucus.
func (s *Store) ListWarnings(ctx context.Context) ([]ListWarning, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT caucus, kind, detail, message_id, at FROM list_warnings ORDER BY caucus`)
	if err != nil {
		return nil, fmt.Errorf("read list warnings: %w", err)
	}
	defer rows.Close()
	var out []ListWarning
	for rows.Next() {
		var w ListWarning
		var at int64
		if err := rows.Scan(&w.Caucus, &w.Kind, &w.Detail, &w.MessageID, &at); err != nil {
			return nil, fmt.Errorf("scan list warning: %w", err)
		}
		w.At = time.UnixMicro(at)
		out = append(out, w)
	}
	return out, rows.Err()
}
