package queue

import (
	"context"
	"fmt"
	"time"
)

// RecordRelay records that mail coming back about thread (the forward it
// answers, as the gateway names it) was relayed at at: the circuit
// breaker counts these. An Incoming records its own (RelayThread).
func (s *Store) RecordRelay(ctx context.Context, thread string, at time.Time) error {
	if err := s.recordRelay(ctx, s.db, thread, at); err != nil {
		return fmt.Errorf("record relay of %s: %w", thread, err)
	}
	return nil
}

func (s *Store) recordRelay(ctx context.Context, db querier, thread string, at time.Time) error {
	_, err := db.ExecContext(ctx, s.q("INSERT INTO relays (thread, at) VALUES (?, ?)"), thread, s.micros(at))
	return err
}

// CountRelays counts the relays of thread at or after since.
func (s *Store) CountRelays(ctx context.Context, thread string, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM relays WHERE thread = ? AND at >= ?"),
		thread, s.micros(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count relays of %s: %w", thread, err)
	}
	return n, nil
}

// PruneRelays forgets relays older than before (outside every breaker
// window) and returns how many.
func (s *Store) PruneRelays(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, s.q("DELETE FROM relays WHERE at < ?"), s.micros(before))
	if err != nil {
		return 0, fmt.Errorf("prune relays: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune relays: %w", err)
	}
	return int(n), nil
}
