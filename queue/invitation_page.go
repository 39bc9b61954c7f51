package queue

import (
	"context"
	"fmt"
	"time"
)

// ListInvitationsDueFrom lists the invitations not closed whose deadline
// is at or after from, newest first, each with its caucuses. The admin
// page adds them to the newest invitations it lists, so that an
// invitation received long ago with its deadline still ahead is never cut
// off by the listing's limit.
func (s *Store) ListInvitationsDueFrom(ctx context.Context, from time.Time, limit int) ([]Invitation, error) {
	out, err := s.queryInvitations(ctx, "i.closed_at IS NULL AND i.deadline >= ?", orDefault(limit, 200), s.micros(from))
	if err != nil {
		return nil, fmt.Errorf("list invitations due from %s: %w", from.Format(time.RFC3339), err)
	}
	return out, nil
}
