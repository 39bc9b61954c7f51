package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SummarySlot is one slot of the invitations summary's schedule, as the
// store knows it.
type SummarySlot struct {
	Schedule  string
	Slot      time.Time
	MessageID string
	Attempts  int
	NextTry   time.Time // after a temporary failure: no attempt before it
	LastError string
	Sent      time.Time // zero until the relay accepted it
}

// LastSummary returns the latest slot of schedule whose summary was sent,
// and false when none was: the catch-up of missed slots starts there.
func (s *Store) LastSummary(ctx context.Context, schedule string) (time.Time, bool, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT MAX(slot) FROM invitation_summaries
		WHERE schedule = ? AND sent_at IS NOT NULL`), schedule).Scan(&v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read last summary of %q: %w", schedule, err)
	}
	return fromMicros(v), v.Valid, nil
}

// SummaryAt returns what the store knows of one slot's summary; a slot
// never attempted has only its schedule and slot set.
func (s *Store) SummaryAt(ctx context.Context, schedule string, slot time.Time) (SummarySlot, error) {
	out := SummarySlot{Schedule: schedule, Slot: slot}
	var next int64
	var sent sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT message_id, attempts, next_attempt_at, last_error, sent_at
		FROM invitation_summaries WHERE schedule = ? AND slot = ?`), schedule, s.micros(slot)).
		Scan(&out.MessageID, &out.Attempts, &next, &out.LastError, &sent)
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("read summary of %q at %s: %w", schedule, slot.UTC().Format(time.RFC3339), err)
	}
	out.NextTry, out.Sent = microsOrZero(next), fromMicros(sent)
	return out, nil
}

// BeginSummary records an attempt at a slot's summary before it is made
// (a crash during it is a retry, not a loss), with the Message-ID every
// attempt carries.
func (s *Store) BeginSummary(ctx context.Context, schedule string, slot time.Time, messageID string) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO invitation_summaries (schedule, slot, message_id, attempts)
		VALUES (?, ?, ?, 1) ON CONFLICT (schedule, slot) DO UPDATE SET attempts = invitation_summaries.attempts + 1`),
		schedule, s.micros(slot), messageID)
	if err != nil {
		return fmt.Errorf("record summary attempt of %q: %w", schedule, err)
	}
	return nil
}

// MarkSummarySent records that the relay accepted a slot's summary.
func (s *Store) MarkSummarySent(ctx context.Context, schedule string, slot time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE invitation_summaries SET sent_at = ?, last_error = ''
		WHERE schedule = ? AND slot = ?`), s.micros(s.now()), schedule, s.micros(slot))
	if err != nil {
		return fmt.Errorf("record summary sent of %q: %w", schedule, err)
	}
	return nil
}

// DeferSummary records a temporary failure of a slot's summary: no
// instance tries again before wait has passed.
func (s *Store) DeferSummary(ctx context.Context, schedule string, slot time.Time, failure string, wait time.Duration) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE invitation_summaries SET next_attempt_at = ?, last_error = ?
		WHERE schedule = ? AND slot = ?`), s.micros(s.now().Add(wait)), failure, schedule, s.micros(slot))
	if err != nil {
		return fmt.Errorf("record summary deferred of %q: %w", schedule, err)
	}
	return nil
}
