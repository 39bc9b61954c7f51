package queue

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// TimelineEvent is one thing that happened to an invitation.
type TimelineEvent struct {
	At     time.Time `json:"at"`
	What   string    `json:"what"` // received, forwarded, delivered, failed, answer, relayed, reminder, close, reopen, deadline, confirm
	Caucus string    `json:"caucus,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// InvitationTimeline lists what happened to an invitation, oldest first:
// its receipt, each copy forwarded and delivered (or failed), each answer
// and its relay, each reminder, each admin action.
func (s *Store) InvitationTimeline(ctx context.Context, ref int64) ([]TimelineEvent, error) {
	var out []TimelineEvent
	add := func(at sql.NullInt64, what, caucus, detail string) {
		if at.Valid {
			out = append(out, TimelineEvent{At: time.UnixMicro(at.Int64).UTC(), What: what, Caucus: caucus, Detail: detail})
		}
	}
	queries := []struct {
		query string
		row   func(*sql.Rows) error
	}{
		{`SELECT received_at, decision, reason FROM messages WHERE id = ?`, func(r *sql.Rows) error {
			var at sql.NullInt64
			var decision, reason string
			err := r.Scan(&at, &decision, &reason)
			add(at, "received", "", decision+": "+reason)
			return err
		}},
		{`SELECT caucus, created_at, sent_at, state, last_attempt_at, last_error FROM deliveries WHERE message_ref = ? AND caucus <> ''`, func(r *sql.Rows) error {
			var caucus, state, lastErr string
			var created, sent, last sql.NullInt64
			err := r.Scan(&caucus, &created, &sent, &state, &last, &lastErr)
			add(created, "forwarded", caucus, "")
			add(sent, "delivered", caucus, "")
			if state == string(StateFailed) {
				add(last, "failed", caucus, lastErr)
			}
			return err
		}},
		{`SELECT p.caucus, MIN(p.created_at), MAX(p.sent_at), MIN(CASE WHEN p.state = 'sent' THEN 1 ELSE 0 END), m.from_addr
			FROM pending_items p JOIN messages m ON m.id = p.message_ref
			WHERE p.kind = 'reply' AND p.state <> 'dropped' AND p.invitation_ref = ? GROUP BY p.caucus, p.message_ref, m.from_addr`, func(r *sql.Rows) error {
			var caucus, from string
			var created, sent sql.NullInt64
			var all int
			err := r.Scan(&caucus, &created, &sent, &all, &from)
			add(created, "answer", caucus, from)
			if all == 1 {
				add(sent, "relayed", caucus, "")
			}
			return err
		}},
		{`SELECT caucus, reminder, sent_at FROM invitation_reminders WHERE message_ref = ?`, func(r *sql.Rows) error {
			var caucus, reminder string
			var at sql.NullInt64
			err := r.Scan(&caucus, &reminder, &at)
			add(at, "reminder", caucus, reminder)
			return err
		}},
		{`SELECT at, action, detail FROM invitation_actions WHERE message_ref = ?`, func(r *sql.Rows) error {
			var at sql.NullInt64
			var action, detail string
			err := r.Scan(&at, &action, &detail)
			add(at, action, "", detail)
			return err
		}},
	}
	for _, q := range queries {
		if err := s.eachRow(ctx, q.query, []any{ref}, q.row); err != nil {
			return nil, fmt.Errorf("timeline of invitation %d: %w", ref, err)
		}
	}
	slices.SortStableFunc(out, func(a, b TimelineEvent) int { return a.At.Compare(b.At) })
	return out, nil
}
