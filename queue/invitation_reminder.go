package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// ReminderKey names one reminder: it is recorded, and sent, once per
// invitation, caucus and reminder ("7d").
type ReminderKey struct {
	Invitation int64 // the invitation's message record
	Caucus     string
	Reminder   string
}

// NewReminder is a reminder to record with the deliveries that carry it.
type NewReminder struct {
	ReminderKey
	MessageID  string // fixed: every delivery and every retry carries it
	Deliveries []NewDelivery
}

// Reminder is one reminder recorded, and how its deliveries stand.
type Reminder struct {
	ReminderKey
	MessageID string
	// At is when it was recorded, before its first attempt.
	At                    time.Time
	Deliveries            int
	Sent, Failed, Pending int
	Delivered             time.Time // when the last delivery was accepted; zero until then
}

// RecordReminder records a reminder and queues its deliveries in one
// transaction, unless it was recorded before (by this instance or
// another: the key is the table's primary key); recorded says which. A
// crash after the commit loses nothing: the deliveries are durable jobs.
func (s *Store) RecordReminder(ctx context.Context, r NewReminder) (recorded bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO invitation_reminders (message_ref, caucus, reminder, message_id, sent_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_ref, caucus, reminder) DO NOTHING`),
			r.Invitation, r.Caucus, r.Reminder, r.MessageID, s.micros(s.now()))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		recorded = true
		return s.queueReminderTx(ctx, tx, r)
	})
	if err != nil {
		return false, fmt.Errorf("record reminder %s of invitation %d to %s: %w", r.Reminder, r.Invitation, r.Caucus, err)
	}
	return recorded, nil
}

func (s *Store) queueReminderTx(ctx context.Context, tx *sql.Tx, r NewReminder) error {
	ids, err := s.insertDeliveries(ctx, tx, r.Invitation, r.Deliveries)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO invitation_reminder_deliveries (delivery_ref, message_ref, caucus, reminder)
			VALUES (?, ?, ?, ?)`), id, r.Invitation, r.Caucus, r.Reminder); err != nil {
			return err
		}
	}
	return s.insertJobsTx(ctx, tx, s.deliveryJobs(ids, r.Deliveries))
}

// InvitationReminders lists the reminders of an invitation, oldest first,
// each with the state of its deliveries.
func (s *Store) InvitationReminders(ctx context.Context, ref int64) ([]Reminder, error) {
	var out []Reminder
	err := s.eachRow(ctx, `SELECT r.caucus, r.reminder, r.message_id, r.sent_at, COUNT(d.id),
		SUM(CASE WHEN d.state = 'sent' THEN 1 ELSE 0 END), SUM(CASE WHEN d.state = 'failed' THEN 1 ELSE 0 END),
		SUM(CASE WHEN d.state = 'pending' THEN 1 ELSE 0 END), MAX(d.sent_at)
		FROM invitation_reminders r
		LEFT JOIN invitation_reminder_deliveries l ON l.message_ref = r.message_ref AND l.caucus = r.caucus AND l.reminder = r.reminder
		LEFT JOIN deliveries d ON d.id = l.delivery_ref
		WHERE r.message_ref = ? GROUP BY r.caucus, r.reminder, r.message_id, r.sent_at ORDER BY r.sent_at, r.caucus`,
		[]any{ref}, func(rows *sql.Rows) error {
			r := Reminder{ReminderKey: ReminderKey{Invitation: ref}}
			var at int64
			var sent, failed, pending, delivered sql.NullInt64
			if err := rows.Scan(&r.Caucus, &r.Reminder, &r.MessageID, &at, &r.Deliveries, &sent, &failed, &pending, &delivered); err != nil {
				return err
			}
			r.At, r.Delivered = time.UnixMicro(at).UTC(), fromMicros(delivered)
			r.Sent, r.Failed, r.Pending = int(sent.Int64), int(failed.Int64), int(pending.Int64)
			out = append(out, r)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list reminders of invitation %d: %w", ref, err)
	}
	return out, nil
}

// RemindableInvitations lists the invitations a reminder may still go
// for: not closed, with a firm deadline (not read from the text, or
// confirmed by an admin) at or after from. Whether a caucus answered, and
// which reminder is due, is the caller's to decide.
func (s *Store) RemindableInvitations(ctx context.Context, from time.Time) ([]Invitation, error) {
	out, err := s.queryInvitations(ctx, `i.closed_at IS NULL AND i.deadline >= ?
		AND (i.deadline_source <> 'text' OR i.deadline_confirmed <> 0)`, 1000, s.micros(from))
	if err != nil {
		return nil, fmt.Errorf("list invitations to remind: %w", err)
	}
	return out, nil
}

// InvitationCopy is one copy of an invitation sent to a caucus: a
// reminder goes in its thread, to its recipients.
type InvitationCopy struct {
	DeliveryID   int64
	EnvelopeFrom string
	Recipients   []string
	Spec         json.RawMessage
	Sent         time.Time // when the relay accepted it
}

// InvitationCopies lists the copies of an invitation to a caucus that the
// relay accepted, oldest first.
func (s *Store) InvitationCopies(ctx context.Context, ref int64, caucus string) ([]InvitationCopy, error) {
	var out []InvitationCopy
	err := s.eachRow(ctx, `SELECT id, envelope_from, recipients, spec, sent_at FROM deliveries
		WHERE message_ref = ? AND caucus = ? AND state = 'sent' ORDER BY id`, []any{ref, caucus},
		func(rows *sql.Rows) error {
			var c InvitationCopy
			var rcpts, spec string
			var sent sql.NullInt64
			if err := rows.Scan(&c.DeliveryID, &c.EnvelopeFrom, &rcpts, &spec, &sent); err != nil {
				return err
			}
			c.Sent = fromMicros(sent)
			if err := json.Unmarshal([]byte(rcpts), &c.Recipients); err != nil {
				return fmt.Errorf("recipients of delivery %d: %w", c.DeliveryID, err)
			}
			c.Spec = json.RawMessage(spec)
			out = append(out, c)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list copies of invitation %d to %s: %w", ref, caucus, err)
	}
	return out, nil
}

// PruneClaims forgets the claims of one series of slots before before:
// a series claimed every few minutes (the reminders' pass) would
// otherwise grow by a row each time.
func (s *Store) PruneClaims(ctx context.Context, series string, before time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q("DELETE FROM slot_claims WHERE schedule = ? AND slot < ?"), series, s.micros(before))
	if err != nil {
		return fmt.Errorf("prune claims of %q: %w", series, err)
	}
	return nil
}

// ReleaseClaim ends holder's claim on a slot at once, for work that needs
// the claim only while it runs (the reminders' scan, whose records are
// unique anyway): the next instance need not wait for it to expire.
func (s *Store) ReleaseClaim(ctx context.Context, series string, slot time.Time, holder string) error {
	_, err := s.db.ExecContext(ctx, s.q("UPDATE slot_claims SET expires_at = 0 WHERE schedule = ? AND slot = ? AND holder = ?"),
		series, s.micros(slot), holder)
	if err != nil {
		return fmt.Errorf("release claim of %q: %w", series, err)
	}
	return nil
}
