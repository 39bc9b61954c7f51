package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// BounceScoring is how bounces count against a roster address, as in
// Mailman 3: a bounce adds 1 to the score, at most once a (UTC) day; the
// score starts again at 1 when the previous bounce is older than
// StaleAfter; at Threshold the address is disabled and gets no copies.
type BounceScoring struct {
	Threshold  float64       // 0: DefaultBounceThreshold
	StaleAfter time.Duration // 0: DefaultBounceStaleAfter
}

// Mailman 3's defaults (bounce_score_threshold, bounce_info_stale_after).
const (
	DefaultBounceThreshold  = 5.0
	DefaultBounceStaleAfter = 7 * 24 * time.Hour
)

func (b BounceScoring) withDefaults() BounceScoring {
	if b.Threshold <= 0 {
		b.Threshold = DefaultBounceThreshold
	}
	if b.StaleAfter <= 0 {
		b.StaleAfter = DefaultBounceStaleAfter
	}
	return b
}

// MemberState is a roster address's bounce state. The rules file says who
// is a member; this says only whether the address gets copies.
type MemberState struct {
	Address    string    `json:"address"`
	Score      float64   `json:"score"`
	LastBounce time.Time `json:"last_bounce,omitzero"`
	Disabled   bool      `json:"disabled"`
	DisabledAt time.Time `json:"disabled_at,omitzero"`
	// DeliveryID is the delivery whose bounce counted last.
	DeliveryID int64  `json:"delivery_id,omitempty"`
	EnabledBy  string `json:"enabled_by,omitempty"`
	warned     bool
}

// scoreBounceTx adds a bounce at at to address's score.
func (s *Store) scoreBounceTx(ctx context.Context, tx *sql.Tx, address string, deliveryID int64, at time.Time, sc BounceScoring) error {
	sc = sc.withDefaults()
	st, err := s.memberStateTx(ctx, tx, address)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	switch {
	case st.Disabled:
		return nil
	case !st.LastBounce.IsZero() && sameDay(st.LastBounce, at):
		return nil // at most once a day
	case st.LastBounce.IsZero() || at.Sub(st.LastBounce) > sc.StaleAfter:
		st.Score = 1
	default:
		st.Score++
	}
	var disabledAt int64
	if st.Score >= sc.Threshold {
		disabledAt = s.micros(at)
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO member_states (address, score, last_bounce, delivery_id, disabled_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET score = excluded.score,
		last_bounce = excluded.last_bounce, delivery_id = excluded.delivery_id, disabled_at = excluded.disabled_at`),
		address, st.Score, s.micros(at), deliveryID, disabledAt)
	if err != nil {
		return fmt.Errorf("score bounce of %s: %w", address, err)
	}
	return nil
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

const memberStateColumns = "address, score, last_bounce, delivery_id, disabled_at, warned_at, enabled_by"

type rowScanner interface{ Scan(...any) error }

func scanMemberState(r rowScanner) (MemberState, error) {
	var m MemberState
	var last, disabled, warned int64
	if err := r.Scan(&m.Address, &m.Score, &last, &m.DeliveryID, &disabled, &warned, &m.EnabledBy); err != nil {
		return m, err
	}
	m.LastBounce, m.DisabledAt = microsOrZero(last), microsOrZero(disabled)
	m.Disabled, m.warned = disabled != 0, warned != 0
	return m, nil
}

func microsOrZero(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func (s *Store) memberStateTx(ctx context.Context, tx *sql.Tx, address string) (MemberState, error) {
	m, err := scanMemberState(tx.QueryRowContext(ctx, s.q("SELECT "+memberStateColumns+" FROM member_states WHERE address = ?"), address))
	if errors.Is(err, sql.ErrNoRows) {
		return MemberState{Address: address}, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("read state of %s: %w", address, err)
	}
	return m, nil
}

// MemberStates lists every address with a bounce state, sorted.
func (s *Store) MemberStates(ctx context.Context) ([]MemberState, error) {
	return s.queryMemberStates(ctx, "1 = 1")
}

func (s *Store) queryMemberStates(ctx context.Context, where string) ([]MemberState, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+memberStateColumns+" FROM member_states WHERE "+where+" ORDER BY address")
	if err != nil {
		return nil, fmt.Errorf("list member states: %w", err)
	}
	defer rows.Close()
	var out []MemberState
	for rows.Next() {
		m, err := scanMemberState(rows)
		if err != nil {
			return nil, fmt.Errorf("scan member state: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DisabledUnwarned lists the addresses disabled since their member and
// moderators were last told.
func (s *Store) DisabledUnwarned(ctx context.Context) ([]MemberState, error) {
	return s.queryMemberStates(ctx, "disabled_at <> 0 AND warned_at = 0")
}

// MarkWarned records that address's disabling was told.
func (s *Store) MarkWarned(ctx context.Context, address string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q("UPDATE member_states SET warned_at = ? WHERE address = ?"), s.micros(at), strings.ToLower(address))
	if err != nil {
		return fmt.Errorf("mark %s warned: %w", address, err)
	}
	return nil
}

// EnableMember re-enables a disabled address and clears its score; by
// says who (an admin login, "cli"). ErrNotFound when the store has no
// state for it.
func (s *Store) EnableMember(ctx context.Context, address, by string) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE member_states SET score = 0, last_bounce = 0, disabled_at = 0,
		warned_at = 0, enabled_by = ? WHERE address = ?`), by, strings.ToLower(address))
	if err != nil {
		return fmt.Errorf("enable %s: %w", address, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("enable %s: %w", address, ErrNotFound)
	}
	return nil
}

// disabledAddresses are the addresses that get no copies.
func (s *Store) disabledAddresses(ctx context.Context) ([]string, error) {
	states, err := s.queryMemberStates(ctx, "disabled_at <> 0")
	if err != nil {
		return nil, err
	}
	out := make([]string, len(states))
	for i, m := range states {
		out[i] = m.Address
	}
	return out, nil
}
