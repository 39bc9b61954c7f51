package gateway

import (
	"context"
	"time"

	"caucusgate/queue"
)

// housekeepingEvery is how often held messages are checked for their
// reminder and expiry: both are days away, a minute is precise enough.
const housekeepingEvery = time.Minute

// housekeeping reminds moderators of held messages halfway to their expiry,
// and expires those nobody decided on.
func (g *Gateway) housekeeping(ctx context.Context) {
	t := time.NewTicker(housekeepingEvery)
	defer t.Stop()
	for {
		g.remindAndExpire(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (g *Gateway) remindAndExpire(ctx context.Context) {
	g.purge(ctx)
	g.warnDisabled(ctx)
	g.checkListCopies(ctx)
	g.pruneSlotClaims(ctx)
	now := g.cfg.Now()
	expired, err := g.cfg.Store.ExpireHeld(ctx, now)
	if err != nil && ctx.Err() == nil {
		g.log.Error("expire held messages", "error", err)
	}
	for _, h := range expired {
		g.log.Warn("held message expired undecided", "held", h.ID, "message_id", h.MessageID, "subject", h.Subject)
	}
	due, err := g.cfg.Store.DueReminders(ctx, now)
	if err != nil && ctx.Err() == nil {
		g.log.Error("list held messages to remind", "error", err)
	}
	for _, h := range due {
		g.remind(ctx, h, now)
	}
}

// remind asks the moderators of a held message again.
func (g *Gateway) remind(ctx context.Context, h queue.HeldInfo, now time.Time) {
	msg, err := g.cfg.Store.GetMessage(ctx, h.MessageRef)
	if err != nil {
		g.log.Error("remind moderators", "held", h.ID, "error", err)
		return
	}
	acct := g.accountNamed(msg.Account)
	var notices []queue.NewDelivery
	for _, mod := range h.Moderators {
		spec := moderationSpec{Account: acct.Address, To: mod, From: h.From, Subject: h.Subject,
			Reason: "reminder: it expires " + h.ExpiresAt.In(g.location()).Format(time.RFC1123) + "; " + h.Reason}
		notices = append(notices, queue.NewDelivery{Recipients: []string{mod}, Spec: mustJSON(deliverySpec{Moderation: &spec})})
	}
	if acct.Address != "" && len(notices) > 0 {
		if _, err := g.cfg.Store.AddDeliveries(ctx, h.MessageRef, notices); err != nil {
			g.log.Error("remind moderators", "held", h.ID, "error", err)
			return
		}
	}
	if err := g.cfg.Store.MarkReminded(ctx, h.ID, now); err != nil {
		g.log.Error("record reminder", "held", h.ID, "error", err)
	}
}

func (g *Gateway) accountNamed(name string) Account {
	for _, a := range g.cfg.Accounts {
		if a.Name == name {
			return a
		}
	}
	return Account{}
}

// purge drops the raw bytes of messages past the retention period.
func (g *Gateway) purge(ctx context.Context) {
	if g.cfg.Retention <= 0 {
		return
	}
	n, err := g.cfg.Store.PurgeRaw(ctx, g.cfg.Retention)
	if err != nil && ctx.Err() == nil {
		g.log.Error("purge raw messages", "error", err)
	}
	if n > 0 {
		g.log.Info("raw messages purged", "count", n, "retention", g.cfg.Retention)
	}
}

// pruneSlotClaims forgets the claims of past slots that nobody holds: one
// row per slot and schedule would otherwise grow without end. A live claim
// stays (queue.Store.PruneSlotClaims).
func (g *Gateway) pruneSlotClaims(ctx context.Context) {
	n, err := g.cfg.Store.PruneSlotClaims(ctx, g.cfg.Now())
	if err != nil && ctx.Err() == nil {
		g.log.Error("prune slot claims", "error", err)
	}
	if n > 0 {
		g.log.Debug("slot claims pruned", "count", n)
	}
}
