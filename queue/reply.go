package queue

import (
	"context"
	"fmt"
)

// DeliveryByID returns one delivery: the reply token names it, and it
// gives the invitation (MessageRef), the caucus and the recipients a
// reply comes from. An unknown id is ErrNotFound.
func (s *Store) DeliveryByID(ctx context.Context, id int64) (DeliveryInfo, error) {
	ds, err := s.ListDeliveries(ctx, DeliveryFilter{ID: id, Limit: 1})
	if err != nil {
		return DeliveryInfo{}, err
	}
	if len(ds) == 0 {
		return DeliveryInfo{}, fmt.Errorf("get delivery %d: %w", id, ErrNotFound)
	}
	return ds[0], nil
}

// ForwardRef is one forward of an invitation: the reply fallback's answer
// when In-Reply-To or References names the invitation's Message-ID.
type ForwardRef struct {
	MessageRef int64  `json:"message_ref"`
	Caucus     string `json:"caucus"`
	DeliveryID int64  `json:"delivery_id"`
}

// InvitationOf lists the forwards of the messages whose Message-ID is
// messageID, oldest first; none when nothing with it was forwarded.
// Distinct messages may share a Message-ID: the caller chooses among them
// (by caucus, say).
func (s *Store) InvitationOf(ctx context.Context, messageID string) ([]ForwardRef, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT m.id, d.caucus, d.id FROM messages m
		JOIN deliveries d ON d.message_ref = m.id WHERE m.message_id = ? ORDER BY d.id LIMIT 1000`), messageID)
	if err != nil {
		return nil, fmt.Errorf("look up invitation %s: %w", messageID, err)
	}
	defer rows.Close()
	var out []ForwardRef
	for rows.Next() {
		var f ForwardRef
		if err := rows.Scan(&f.MessageRef, &f.Caucus, &f.DeliveryID); err != nil {
			return nil, fmt.Errorf("scan forward: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
