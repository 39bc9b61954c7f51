package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Lease is a held lease. Fence grows on every acquisition: whatever the
// holder commits under the lease is fenced on (Holder, Fence) unchanged,
// so a holder that lost its lease while paused cannot commit.
type Lease struct {
	Name, Holder string
	Fence        int64
}

// ErrLeaseLost is returned by a commit fenced by a lease that is no longer
// the holder's (WithLease).
var ErrLeaseLost = errors.New("lease lost")

// AcquireLease takes the named lease for holder until ttl from now, if it
// is free, expired, or already holder's. See TakeLease.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	_, ok, err := s.TakeLease(ctx, name, holder, ttl)
	return ok, err
}

// TakeLease takes the named lease for holder until ttl from now, if it is
// free, expired, recorded ahead of now by more than ttl (a clock that
// jumped back), or already holder's; every acquisition raises its fence.
// It works the same on both stores: one IMAP supervisor per mailbox across
// instances. When the lease is someone else's, the returned Lease names
// its holder and ok is false.
func (s *Store) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (Lease, bool, error) {
	now, d := s.dbNow(), strconv.FormatInt(ttl.Microseconds(), 10)
	l := Lease{Name: name}
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO leases (name, holder, expires_at, fence)
		VALUES (?, ?, `+now+` + `+d+`, 1)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
			fence = leases.fence + 1
		WHERE leases.expires_at <= `+now+` OR leases.expires_at > `+s.ahead(ttl)+`
			OR leases.holder = excluded.holder
		RETURNING holder, fence`), name, holder).Scan(&l.Holder, &l.Fence)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.db.QueryRowContext(ctx, s.q("SELECT holder, fence FROM leases WHERE name = ?"), name).Scan(&l.Holder, &l.Fence)
		if err == nil {
			return l, false, nil
		}
	}
	if err != nil {
		return l, false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return l, true, nil
}

// RenewLease extends holder's unexpired lease to ttl from now; false means
// the lease was lost (expired, and perhaps taken by another holder).
func (s *Store) RenewLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now, d := s.dbNow(), strconv.FormatInt(ttl.Microseconds(), 10)
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE leases SET expires_at = `+now+` + `+d+`
		WHERE name = ? AND holder = ? AND expires_at > `+now), name, holder)
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

type leaseKey struct{}

// WithLease returns a context under which every intake commit is fenced by
// l: it commits only if l is still the lease's current acquisition.
func WithLease(ctx context.Context, l Lease) context.Context {
	return context.WithValue(ctx, leaseKey{}, l)
}

// fenceTx checks, inside the caller's transaction, that the context's
// lease (if any) is still held as acquired. It is an UPDATE, not a SELECT:
// the row lock it takes makes a concurrent acquisition wait for this
// transaction (or this one re-check after it), which a read followed by a
// commit does not under READ COMMITTED.
func (s *Store) fenceTx(ctx context.Context, tx *sql.Tx) error {
	l, ok := ctx.Value(leaseKey{}).(Lease)
	if !ok {
		return nil
	}
	res, err := tx.ExecContext(ctx, s.q("UPDATE leases SET fence = fence WHERE name = ? AND holder = ? AND fence = ?"),
		l.Name, l.Holder, l.Fence)
	if err != nil {
		return fmt.Errorf("fence on lease %s: %w", l.Name, err)
	}
	if held, err := affected(res); err != nil || !held {
		return errors.Join(err, fmt.Errorf("%w: %s (acquisition %d by %s)", ErrLeaseLost, l.Name, l.Fence, l.Holder))
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
