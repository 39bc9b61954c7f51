package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"caucusgate/gateway/admin"
	invitations "caucusgate/gateway/invitation"
	"caucusgate/queue"
)

// dueMargin widens the look-up of deadlines still ahead: a deadline is
// stored as the start of its day in the invitations' zone and holds all
// that day, and zones lie up to 14 hours from UTC. The view then says
// exactly which are open.
const dueMargin = 48 * time.Hour

// maxDueAhead bounds the invitations listed for their deadline ahead
// beyond the listing's limit.
const maxDueAhead = 1000

func (b *adminBackend) viewer() *invitations.Viewer {
	return invitations.NewViewer(b.g.cfg.Invitations)
}

// Invitations lists the limit newest invitations and every one not closed
// whose deadline is ahead, open ones first by deadline.
func (b *adminBackend) Invitations(ctx context.Context, limit int) ([]admin.Invitation, error) {
	now := b.g.cfg.Now()
	recent, err := b.store().ListInvitations(ctx, queue.InvitationFilter{Limit: limit})
	if err != nil {
		return nil, err
	}
	ahead, err := b.store().ListInvitationsDueFrom(ctx, now.Add(-dueMargin), maxDueAhead)
	if err != nil {
		return nil, err
	}
	seen, viewer := map[int64]bool{}, b.viewer()
	var views []invitations.View
	for _, inv := range append(recent, ahead...) {
		if !seen[inv.ID] {
			seen[inv.ID] = true
			views = append(views, viewer.View(inv, now))
		}
	}
	out := make([]admin.Invitation, 0, len(views))
	for _, v := range invitations.Sorted(views) {
		out = append(out, admin.Invitation{View: v})
	}
	return out, nil
}

func (b *adminBackend) Invitation(ctx context.Context, id int64) (admin.Invitation, error) {
	inv, err := b.store().GetInvitation(ctx, id)
	if err != nil {
		return admin.Invitation{}, err
	}
	timeline, err := b.store().InvitationTimeline(ctx, id)
	if err != nil {
		return admin.Invitation{}, err
	}
	v := b.viewer().View(inv, b.g.cfg.Now())
	return admin.Invitation{View: v, Timeline: withDecision(timeline, v.Inviter)}, nil
}

// withDecision splits the store's "received" event, which carries the
// decision, into its receipt (from the inviter) and the decision taken
// then, as the bureau reads a timeline.
func withDecision(timeline []queue.TimelineEvent, inviter string) []queue.TimelineEvent {
	out := make([]queue.TimelineEvent, 0, len(timeline)+1)
	for _, e := range timeline {
		if e.What != "received" {
			out = append(out, e)
			continue
		}
		out = append(out, queue.TimelineEvent{At: e.At, What: "received", Detail: "from " + inviter},
			queue.TimelineEvent{At: e.At, What: "decided", Detail: e.Detail})
	}
	return out
}

// invitation reads one listed invitation, for an action that its state
// may refuse.
func (b *adminBackend) invitation(ctx context.Context, id int64) (queue.Invitation, error) {
	return b.store().GetInvitation(ctx, id)
}

func (b *adminBackend) CloseInvitation(ctx context.Context, id int64, by string) error {
	inv, err := b.invitation(ctx, id)
	if err != nil {
		return err
	}
	if !inv.Closed.IsZero() {
		return fmt.Errorf("close invitation %d: it is closed already: %w", id, queue.ErrWrongState)
	}
	return b.store().CloseInvitation(ctx, id, false)
}

func (b *adminBackend) ReopenInvitation(ctx context.Context, id int64, by string) error {
	inv, err := b.invitation(ctx, id)
	if err != nil {
		return err
	}
	if inv.Closed.IsZero() {
		return fmt.Errorf("reopen invitation %d: it is not closed: %w", id, queue.ErrWrongState)
	}
	return b.store().CloseInvitation(ctx, id, true)
}

// SetInvitationDeadline sets the deadline to the start of day in the
// invitations' zone, where deadlines are days; the timeline's detail and
// the phrase say which admin set it.
func (b *adminBackend) SetInvitationDeadline(ctx context.Context, id int64, day time.Time, by string) error {
	if _, err := b.invitation(ctx, id); err != nil {
		return err
	}
	var at time.Time
	if !day.IsZero() {
		at = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, invitationZone(b.g.cfg.Invitations))
	}
	return b.store().SetInvitationDeadline(ctx, id, at, "set by admin "+by+" (admin page)")
}

// ConfirmInvitationDeadline confirms a deadline read from the text; any
// other is firm already, and no deadline is nothing to confirm.
func (b *adminBackend) ConfirmInvitationDeadline(ctx context.Context, id int64, by string) error {
	inv, err := b.invitation(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case inv.Deadline.At.IsZero():
		return fmt.Errorf("confirm the deadline of invitation %d: it has none: %w", id, queue.ErrWrongState)
	case inv.DeadlineConfirmed || !strings.EqualFold(inv.Deadline.Source, "text"):
		return fmt.Errorf("confirm the deadline of invitation %d: it is firm already (%s): %w", id, inv.Deadline.Source, queue.ErrWrongState)
	}
	return b.store().ConfirmInvitationDeadline(ctx, id)
}

// invitationZone is the zone invitations are read and shown in; UTC when
// not configured, as invitation.Options says.
func invitationZone(o *invitations.Options) *time.Location {
	if o == nil || o.Zone == nil {
		return time.UTC
	}
	return o.Zone
}
