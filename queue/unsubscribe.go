package queue

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Unsubscription is a member who left a roster caucus by one-click
// unsubscribe (RFC 8058). The rules file still lists them; the gateway
// applies these over the roster.
type Unsubscription struct {
	ID     string    `json:"id"` // caucus/member
	Caucus string    `json:"caucus"`
	Member string    `json:"member"`
	At     time.Time `json:"at"`
}

// Unsubscribe removes member from caucus's roster. Members are compared
// ignoring case; unsubscribing twice keeps the first time (a mail
// provider's link checker may POST again).
func (s *Store) Unsubscribe(ctx context.Context, caucus, member string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO unsubscriptions (caucus, member, at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`), caucus, strings.ToLower(member), s.micros(at))
	if err != nil {
		return fmt.Errorf("unsubscribe %s from %s: %w", member, caucus, err)
	}
	return nil
}

// Resubscribe undoes an unsubscription; none is no error.
func (s *Store) Resubscribe(ctx context.Context, caucus, member string) error {
	_, err := s.db.ExecContext(ctx, s.q("DELETE FROM unsubscriptions WHERE caucus = ? AND member = ?"),
		caucus, strings.ToLower(member))
	if err != nil {
		return fmt.Errorf("resubscribe %s to %s: %w", member, caucus, err)
	}
	return nil
}

// AllCaucuses is the key of Unsubscribed's map for the addresses that get
// no copies from any caucus: those disabled by their bounces.
const AllCaucuses = "*"

// Unsubscribed maps each caucus to its unsubscribed members (lower case,
// sorted), and AllCaucuses to the addresses disabled by bounces.
func (s *Store) Unsubscribed(ctx context.Context) (map[string][]string, error) {
	all, err := s.Unsubscriptions(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, u := range all {
		out[u.Caucus] = append(out[u.Caucus], u.Member)
	}
	disabled, err := s.disabledAddresses(ctx)
	if err != nil {
		return nil, err
	}
	if len(disabled) > 0 {
		out[AllCaucuses] = disabled
	}
	return out, nil
}

// Unsubscriptions lists every unsubscription, sorted by caucus and member.
func (s *Store) Unsubscriptions(ctx context.Context) ([]Unsubscription, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT caucus, member, at FROM unsubscriptions ORDER BY caucus, member")
	if err != nil {
		return nil, fmt.Errorf("list unsubscriptions: %w", err)
	}
	defer rows.Close()
	var out []Unsubscription
	for rows.Next() {
		var u Unsubscription
		var at int64
		if err := rows.Scan(&u.Caucus, &u.Member, &at); err != nil {
			return nil, fmt.Errorf("scan unsubscription: %w", err)
		}
		u.ID, u.At = u.Caucus+"/"+u.Member, time.UnixMicro(at).UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}
