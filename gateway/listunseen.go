package gateway

import (
	"context"
	"fmt"
	"time"

	"caucusgate/gateway/bounce"
	"caucusgate/queue"
)

// defaultListConfirmWithin is lists.confirm_within's default: a list
// distributes a post in minutes, and a moderator who holds it decides
// within a working day, which the "held" notice, when the list sends one,
// says sooner.
const defaultListConfirmWithin = 6 * time.Hour

// listUnseenWindow is how far past confirm_within a copy is still looked
// at: a daemon down longer than this tells of none of the copies it missed,
// rather than of every list copy ever sent when the feature is new.
const listUnseenWindow = 24 * time.Hour

// listUnseenBatch bounds the copies looked at per caucus and pass.
const listUnseenBatch = 100

func (g *Gateway) listConfirmWithin() time.Duration {
	if g.cfg.ListConfirmWithin == 0 {
		return defaultListConfirmWithin
	}
	return g.cfg.ListConfirmWithin
}

// checkListCopies marks every copy to a list caucus that nothing confirmed
// within lists.confirm_within "not seen on the list", and tells notify of
// each, once: the store writes the mark only where nothing was known.
func (g *Gateway) checkListCopies(ctx context.Context) {
	within := g.listConfirmWithin()
	if within < 0 {
		return
	}
	cutoff := g.cfg.Now().Add(-within)
	for _, acct := range g.cfg.Accounts {
		for _, c := range g.cfg.Rules.Current().Caucuses() {
			if c.Address == "" || acct.Address == "" {
				continue
			}
			copies, err := g.cfg.Store.ListCopies(ctx, bounce.ListSender(acct.Address, c.ID), cutoff.Add(-listUnseenWindow), cutoff, listUnseenBatch)
			if err != nil {
				if ctx.Err() == nil {
					g.log.Error("list copies to confirm", "caucus", c.ID, "error", err)
				}
				return
			}
			for _, cp := range copies {
				if cp.State == "" {
					g.markUnseen(ctx, acct, c.Address, cp, within)
				}
			}
		}
	}
}

// markUnseen records one copy as not seen on its list and tells notify.
func (g *Gateway) markUnseen(ctx context.Context, acct Account, list string, cp queue.ListCopy, within time.Duration) {
	first, err := g.cfg.Store.ConfirmList(ctx, queue.ListConfirmation{DeliveryID: cp.DeliveryID, Caucus: cp.Caucus,
		State: queue.ListNotSeen, Detail: fmt.Sprintf("not seen back through the list within %v", within), At: g.cfg.Now()})
	if err != nil || !first {
		if err != nil {
			g.log.Error("mark a list copy not seen", "delivery", cp.DeliveryID, "error", err)
		}
		return
	}
	g.log.Warn("copy not seen on the list", "caucus", cp.Caucus, "delivery", cp.DeliveryID, "message_id", cp.MessageID, "within", within)
	if g.cfg.Notify == "" {
		return
	}
	n := unseenNotice(acct.Address, g.cfg.Notify, list, cp, within, g.location())
	n.MessageID = noticeMessageID(fmt.Sprintf("list-unseen %d", cp.DeliveryID), 0, acct.Address)
	if _, err := g.cfg.Store.AddDeliveries(ctx, cp.MessageRef, []queue.NewDelivery{{Recipients: []string{g.cfg.Notify},
		Spec: mustJSON(deliverySpec{Notice: &n})}}); err != nil {
		g.log.Error("tell of a copy not seen on the list", "delivery", cp.DeliveryID, "error", err)
	}
}

// unseenNotice is the note to notify about a copy the list never
// confirmed.
func unseenNotice(account, to, list string, cp queue.ListCopy, within time.Duration, loc *time.Location) noticeSpec {
	return noticeSpec{Account: account, To: to,
		Subject: fmt.Sprintf("Not seen on the list of caucus %s: %s", cp.Caucus, cp.Subject),
		Body: fmt.Sprintf("The copy of %q (Message-ID <%s>) was sent to %s at %s\n"+
			"and has not come back through the list within %v.\n\n"+
			"The list may hold it for a moderator (a non-member post, an implicit destination, its size),\n"+
			"or have refused it. Look at the list's moderation queue. When the bureau's address is\n"+
			"subscribed to the list, its copy coming back confirms each forward.\n",
			cp.Subject, cp.MessageID, list, cp.SentAt.In(loc).Format(time.RFC1123), within)}
}
