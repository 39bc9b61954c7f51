package queue

import (
	"context"
	"database/sql"
	"fmt"
)

// AddDeliveries records deliveries of a message already in the store, with
// their jobs, in one transaction: the notices caucusgate writes after intake
// (a moderator's decision told to the others, a reminder, an admin alert).
func (s *Store) AddDeliveries(ctx context.Context, messageRef int64, deliveries []NewDelivery) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if ids, err = s.insertDeliveries(ctx, tx, messageRef, deliveries); err != nil {
			return err
		}
		return s.insertJobsTx(ctx, tx, s.deliveryJobs(ids, deliveries))
	})
	if err != nil {
		return nil, fmt.Errorf("add deliveries of message %d: %w", messageRef, err)
	}
	return ids, nil
}
