package queue

import (
	"context"
	"fmt"
	"time"
)

// AcquireLease takes the named lease for holder until ttl from now, if it
// is free, expired, or already holder's. It works the same on both stores:
// one IMAP supervisor per mailbox across instances.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at <= ? OR leases.holder = excluded.holder`),
		name, holder, s.micros(now.Add(ttl)), s.micros(now))
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return affected(res)
}

// RenewLease extends holder's unexpired lease to ttl from now; false means
// the lease was lost (expired, and perhaps taken by another holder).
func (s *Store) RenewLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE leases SET expires_at = ?
		WHERE name = ? AND holder = ? AND expires_at > ?`),
		s.micros(now.Add(ttl)), name, holder, s.micros(now))
	if err != nil {
		return false, fmt.Errorf("renew lease %s: %w", name, err)
	}
	return affected(res)
}

// ReleaseLease gives up holder's lease, so another can take it at once.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.db.ExecContext(ctx, s.q("DELETE FROM leases WHERE name = ? AND holder = ?"), name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

func affected(res interface{ RowsAffected() (int64, error) }) (bool, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("count affected rows: %w", err)
	}
	return n == 1, nil
}
