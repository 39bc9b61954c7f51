package queue

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Stats is what the metrics report of the store: deliveries by state,
// the depth and age of the queue, and what waits for people or slots.
type Stats struct {
	Depth         int            `json:"depth"`          // deliveries pending
	OldestPending time.Duration  `json:"oldest_pending"` // age of the oldest pending delivery, 0 if none
	ByState       map[string]int `json:"by_state"`       // deliveries by state
	Held          int            `json:"held"`           // messages waiting for a moderator
	PendingItems  int            `json:"pending_items"`  // items waiting for a slot or a reviewer
}

// QueueStats reads the store's gauges in one transaction (one snapshot).
func (s *Store) QueueStats(ctx context.Context) (Stats, error) {
	st := Stats{ByState: map[string]int{}}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.deliveryStatsTx(ctx, tx, &st); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM held WHERE state = 'held'),
			(SELECT COUNT(*) FROM pending_items WHERE state IN ('pending', 'held'))`).Scan(&st.Held, &st.PendingItems)
	})
	if err != nil {
		return Stats{}, fmt.Errorf("read queue stats: %w", err)
	}
	return st, nil
}

func (s *Store) deliveryStatsTx(ctx context.Context, tx *sql.Tx, st *Stats) error {
	rows, err := tx.QueryContext(ctx, "SELECT state, COUNT(*), MIN(created_at) FROM deliveries GROUP BY state")
	if err != nil {
		return fmt.Errorf("count deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		var oldest int64
		if err := rows.Scan(&state, &n, &oldest); err != nil {
			return fmt.Errorf("scan delivery count: %w", err)
		}
		st.ByState[state] = n
		if state == string(StatePending) {
			st.Depth = n
			st.OldestPending = max(0, s.now().Sub(time.UnixMicro(oldest)))
		}
	}
	return rows.Err()
}
