package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// DefaultHoldExpiry is how long a message stays held when its HoldRequest
// names no expiry (the rules' bureau.hold_expiry default).
const DefaultHoldExpiry = 14 * 24 * time.Hour

// HoldRequest marks an Incoming as held for moderation by a rule.
type HoldRequest struct {
	Rule       string
	RuleIndex  int // the holding rule's position: an approval resumes after it
	Reason     string
	Moderators []string
	// Expiry is how long the message waits for a decision before it
	// expires; 0 means DefaultHoldExpiry. The reminder falls halfway.
	Expiry time.Duration
}

// HeldState is the state of a held message.
type HeldState string

// Held states. Held is the only one that is not final.
const (
	HeldWaiting  HeldState = "held"
	HeldApproved HeldState = "approved"
	HeldRejected HeldState = "rejected"
	HeldExpired  HeldState = "expired"
)

// HeldInfo is one held message as `held list` and the admin page show it.
type HeldInfo struct {
	ID             int64     `json:"id"`
	MessageRef     int64     `json:"message_ref"`
	MessageID      string    `json:"message_id"`
	From           string    `json:"from"`
	Subject        string    `json:"subject"`
	Rule           string    `json:"rule"`
	RuleIndex      int       `json:"rule_index"`
	Reason         string    `json:"reason"`
	Moderators     []string  `json:"moderators"`
	HeldAt         time.Time `json:"held_at"`
	RemindAt       time.Time `json:"remind_at"`
	ExpiresAt      time.Time `json:"expires_at"`
	RemindedAt     time.Time `json:"reminded_at,omitzero"`
	State          HeldState `json:"state"`
	DecidedBy      string    `json:"decided_by,omitempty"`
	DecidedAt      time.Time `json:"decided_at,omitzero"`
	DecisionReason string    `json:"decision_reason,omitempty"`
}

// HeldFilter selects held messages to list. The zero value lists the
// oldest 100 in every state.
type HeldFilter struct {
	States     []HeldState // none: every state
	MessageRef int64       // 0: every message
	Limit      int         // 0: 100
}

// holdTx records a hold of message ref, held now.
func (s *Store) holdTx(ctx context.Context, tx *sql.Tx, ref int64, h HoldRequest) (int64, error) {
	mods, _ := json.Marshal(nonNil(h.Moderators))
	now := s.now()
	expiry := orDefault(h.Expiry, DefaultHoldExpiry)
	var id int64
	err := tx.QueryRowContext(ctx, s.q(`INSERT INTO held (message_ref, rule, rule_index, reason, moderators,
		held_at, remind_at, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'held') RETURNING id`),
		ref, h.Rule, h.RuleIndex, h.Reason, string(mods), s.micros(now), s.micros(now.Add(expiry/2)),
		s.micros(now.Add(expiry))).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("hold message %d: %w", ref, err)
	}
	return id, nil
}

// ListHeld lists held messages, oldest first: those nearest expiry lead.
func (s *Store) ListHeld(ctx context.Context, f HeldFilter) ([]HeldInfo, error) {
	where, args := stateIn([]string{"1 = 1"}, nil, "h.state", f.States)
	if f.MessageRef != 0 {
		where, args = append(where, "h.message_ref = ?"), append(args, f.MessageRef)
	}
	out, err := s.queryHeld(ctx, s.db, strings.Join(where, " AND "), orDefault(f.Limit, 100), args...)
	if err != nil {
		return nil, fmt.Errorf("list held messages: %w", err)
	}
	return out, nil
}

// GetHeld returns one held message, or ErrNotFound.
func (s *Store) GetHeld(ctx context.Context, id int64) (HeldInfo, error) {
	out, err := s.queryHeld(ctx, s.db, "h.id = ?", 1, id)
	if err != nil {
		return HeldInfo{}, fmt.Errorf("get held message %d: %w", id, err)
	}
	if len(out) == 0 {
		return HeldInfo{}, fmt.Errorf("get held message %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

func (s *Store) queryHeld(ctx context.Context, db querier, where string, limit int, args ...any) ([]HeldInfo, error) {
	rows, err := db.QueryContext(ctx, s.q(`SELECT h.id, h.message_ref, m.message_id, m.from_addr, m.subject,
		h.rule, h.rule_index, h.reason, h.moderators, h.held_at, h.remind_at, h.expires_at, h.reminded_at,
		h.state, h.decided_by, h.decided_at, h.decision_reason
		FROM held h JOIN messages m ON m.id = h.message_ref
		WHERE `+where+` ORDER BY h.id LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HeldInfo
	for rows.Next() {
		h, err := scanHeld(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func scanHeld(rows *sql.Rows) (HeldInfo, error) {
	var h HeldInfo
	var mods string
	var heldAt, remindAt, expiresAt int64
	var reminded, decided sql.NullInt64
	if err := rows.Scan(&h.ID, &h.MessageRef, &h.MessageID, &h.From, &h.Subject, &h.Rule, &h.RuleIndex,
		&h.Reason, &mods, &heldAt, &remindAt, &expiresAt, &reminded, &h.State, &h.DecidedBy, &decided,
		&h.DecisionReason); err != nil {
		return h, fmt.Errorf("scan held message: %w", err)
	}
	if err := json.Unmarshal([]byte(mods), &h.Moderators); err != nil {
		return h, fmt.Errorf("decode moderators of held message %d: %w", h.ID, err)
	}
	h.HeldAt, h.RemindAt = time.UnixMicro(heldAt).UTC(), time.UnixMicro(remindAt).UTC()
	h.ExpiresAt = time.UnixMicro(expiresAt).UTC()
	h.RemindedAt, h.DecidedAt = fromMicros(reminded), fromMicros(decided)
	return h, nil
}
