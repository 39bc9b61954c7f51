package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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

// EarlierReply is a reply taken to relay before about the same invitation
// and caucus, with the same Message-ID and sender: perhaps the same answer
// arriving again (by token and by Cc, or back through the list).
type EarlierReply struct {
	MessageRef int64
	// Items counts its pending items; Open are those no batch holds yet
	// and nobody refused, which a better copy of it can still replace.
	Items int
	Open  []int64
}

// EarlierReplies lists the replies with this Message-ID from this sender
// taken to relay about the invitation and caucus, oldest first. An empty
// Message-ID matches none: real mailboxes hold many such messages.
func (s *Store) EarlierReplies(ctx context.Context, invitationRef int64, caucus, messageID, from string) ([]EarlierReply, error) {
	if messageID == "" {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT p.message_ref, p.id, p.state IN ('pending', 'held') AND p.batch_id IS NULL
		FROM pending_items p JOIN messages m ON m.id = p.message_ref
		WHERE p.kind = ? AND p.invitation_ref = ? AND p.caucus = ? AND m.message_id = ? AND m.from_addr = ?
		ORDER BY p.message_ref, p.id LIMIT 1000`), string(KindReply), invitationRef, caucus, messageID, from)
	if err != nil {
		return nil, fmt.Errorf("look up earlier relays of %s: %w", messageID, err)
	}
	defer rows.Close()
	var out []EarlierReply
	for rows.Next() {
		var ref, id int64
		var open bool
		if err := rows.Scan(&ref, &id, &open); err != nil {
			return nil, fmt.Errorf("scan earlier relay: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].MessageRef != ref {
			out = append(out, EarlierReply{MessageRef: ref})
		}
		e := &out[len(out)-1]
		e.Items++
		if open {
			e.Open = append(e.Open, id)
		}
	}
	return out, rows.Err()
}

// supersedeTx drops pending replies a better copy of the same answer
// replaces, unless a batch already holds them (then both go out).
func (s *Store) supersedeTx(ctx context.Context, tx *sql.Tx, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE pending_items SET state = 'dropped'
			WHERE id = ? AND state IN ('pending', 'held') AND batch_id IS NULL`), id); err != nil {
			return fmt.Errorf("supersede pending item %d: %w", id, err)
		}
	}
	return nil
}

// DeliverySpec is the composition a delivery was sent with, as the
// gateway stored it (opaque here): what a reply to that copy answers for.
func (s *Store) DeliverySpec(ctx context.Context, id int64) (json.RawMessage, error) {
	var spec []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT spec FROM deliveries WHERE id = ?`), id).Scan(&spec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get delivery %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get delivery %d's spec: %w", id, err)
	}
	return spec, nil
}
