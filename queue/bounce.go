package queue

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// BounceClass is how a delivery report counts against a member.
type BounceClass string

// Bounce classes. A policy bounce (DMARC, spam policy) is the relay's or
// the sender's doing, never counted against the member.
const (
	BounceHard   BounceClass = "hard"
	BounceSoft   BounceClass = "soft"
	BouncePolicy BounceClass = "policy"
)

// Bounce is one failed recipient of a delivery report (RFC 3464).
type Bounce struct {
	DeliveryID int64 // 0 when the report matched a member but no delivery
	Member     string
	Caucus     string
	Class      BounceClass
	Status     string // the RFC 3463 status code, e.g. 5.1.1
	Diagnostic string // the Diagnostic-Code, as reported
	At         time.Time
	// Scoring, when set, adds the bounce to the member's score (package
	// doc of BounceScoring); nil for what adds nothing: delayed reports,
	// policy rejections.
	Scoring *BounceScoring
}

// MemberBounces is one member's bounce counts in one caucus.
type MemberBounces struct {
	ID     string    `json:"id"` // caucus/member
	Caucus string    `json:"caucus"`
	Member string    `json:"member"`
	Hard   int       `json:"hard"`
	Soft   int       `json:"soft"`
	Policy int       `json:"policy"`
	Last   time.Time `json:"last"`
}

// RecordBounce records a bounce against a member. Members are compared
// ignoring case, as the rules compare rosters.
func (s *Store) RecordBounce(ctx context.Context, b Bounce) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.recordBounceTx(ctx, tx, b) })
	if err != nil {
		return fmt.Errorf("record bounce of %s: %w", b.Member, err)
	}
	return nil
}

func (s *Store) recordBounceTx(ctx context.Context, tx *sql.Tx, b Bounce) error {
	if err := b.validate(); err != nil {
		return err
	}
	at := b.At
	if at.IsZero() {
		at = s.now()
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO bounces (delivery_id, member, caucus, class, status,
		diagnostic, at) VALUES (?, ?, ?, ?, ?, ?, ?)`), nullInt(b.DeliveryID), strings.ToLower(b.Member),
		b.Caucus, string(b.Class), b.Status, b.Diagnostic, s.micros(at))
	if err != nil {
		return fmt.Errorf("insert bounce: %w", err)
	}
	if b.Scoring == nil || b.Class == BouncePolicy {
		return nil
	}
	return s.scoreBounceTx(ctx, tx, strings.ToLower(b.Member), b.DeliveryID, at, *b.Scoring)
}

func (b Bounce) validate() error {
	switch {
	case b.Member == "":
		return fmt.Errorf("bounce without a member")
	case b.Class != BounceHard && b.Class != BounceSoft && b.Class != BouncePolicy:
		return fmt.Errorf("unknown bounce class %q", b.Class)
	}
	return nil
}

// BounceCounts counts every member's bounces by class, per caucus,
// sorted by caucus and member.
func (s *Store) BounceCounts(ctx context.Context) ([]MemberBounces, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT caucus, member,
		SUM(CASE WHEN class = 'hard' THEN 1 ELSE 0 END), SUM(CASE WHEN class = 'soft' THEN 1 ELSE 0 END),
		SUM(CASE WHEN class = 'policy' THEN 1 ELSE 0 END), MAX(at)
		FROM bounces GROUP BY caucus, member ORDER BY caucus, member`)
	if err != nil {
		return nil, fmt.Errorf("count bounces: %w", err)
	}
	defer rows.Close()
	var out []MemberBounces
	for rows.Next() {
		var m MemberBounces
		var last int64
		if err := rows.Scan(&m.Caucus, &m.Member, &m.Hard, &m.Soft, &m.Policy, &last); err != nil {
			return nil, fmt.Errorf("scan bounce count: %w", err)
		}
		m.ID, m.Last = m.Caucus+"/"+m.Member, time.UnixMicro(last).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}
