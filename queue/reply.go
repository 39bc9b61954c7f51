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

// ReplyRelayedBefore reports whether a reply with this Message-ID from
// this sender was already taken to relay about the invitation and caucus:
// the same answer arriving again (by token and by Cc, or back through the
// list) is relayed once. An empty Message-ID never matches.
func (s *Store) ReplyRelayedBefore(ctx context.Context, invitationRef int64, caucus, messageID, from string) (bool, error) {
	if messageID == "" {
		return false, nil
	}
	var found bool
	err := s.db.QueryRowContext(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM pending_items p JOIN messages m ON m.id = p.message_ref
		WHERE p.kind = ? AND p.invitation_ref = ? AND p.caucus = ? AND m.message_id = ? AND m.from_addr = ?)`),
		string(KindReply), invitationRef, caucus, messageID, from).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("look up an earlier relay of %s: %w", messageID, err)
	}
	return found, nil
}
