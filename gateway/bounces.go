package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"caucusgate/gateway/bounce"
	"caucusgate/gateway/token"
	"caucusgate/queue"
	"caucusgate/rules"
)

// bounces reads a delivery report (RFC 3464) that came back to the bureau
// mailbox and names, for each failed recipient, the delivery it concerns:
// through the VERP token of the envelope sender the copy was sent with. A
// report names nothing when it is not one of ours. The message itself is
// never forwarded: the rules' guard sees to that.
func (in *intake) bounces(ctx context.Context, set *rules.Set, msg *inbound, raw []byte) ([]queue.Bounce, error) {
	report, ok := bounce.Parse(raw)
	if !ok {
		return nil, nil
	}
	if c, ok := in.listCaucus(set, report, msg); ok {
		return listBounces(c, report, in.now()), nil
	}
	delivery, err := in.bouncedDelivery(ctx, report, msg)
	if err != nil || delivery == nil {
		return nil, err
	}
	var out []queue.Bounce
	for _, r := range report.Recipients {
		class, counted := bounceClass(r.Class)
		member, ok := chargedMember(delivery, r.Address)
		if !counted || !ok {
			continue
		}
		b := queue.Bounce{
			DeliveryID: delivery.ID, Member: member, Caucus: delivery.Caucus,
			Class: class, Status: statusString(r.Status), Diagnostic: r.Diagnostic, At: in.now(),
		}
		if scored(r, class) {
			b.Scoring = &in.bounceScoring
		}
		out = append(out, b)
	}
	return out, nil
}

// listCaucus is the list caucus whose fixed envelope (bounce.ListSender)
// a report came back to. A caucus the rules no longer have, or one that is
// a roster, names none.
func (in *intake) listCaucus(set *rules.Set, report *bounce.Report, msg *inbound) (rules.Caucus, bool) {
	id, ok := bounce.ListCaucus(report, in.account.Address, msg.Facts.Header)
	if !ok || set == nil {
		return rules.Caucus{}, false
	}
	for _, c := range set.Caucuses() {
		if strings.EqualFold(c.ID, id) && c.Address != "" {
			return c, true
		}
	}
	return rules.Caucus{}, false
}

// listBounces records a report from a list caucus's server against the
// caucus: charged to the list's address whatever recipient the report
// names (the list's own members are the list server's business), with no
// delivery (the envelope is the caucus's, not a copy's) and no score (a
// list is never disabled by its bounces; the admins read them).
func listBounces(c rules.Caucus, report *bounce.Report, now time.Time) []queue.Bounce {
	var out []queue.Bounce
	for _, r := range report.Recipients {
		class, counted := bounceClass(r.Class)
		if !counted {
			continue
		}
		out = append(out, queue.Bounce{Member: strings.ToLower(c.Address), Caucus: c.ID, Class: class,
			Status: statusString(r.Status), Diagnostic: r.Diagnostic, At: now})
	}
	return out
}

// scored says whether a failed recipient adds to its member's bounce
// score, as in Mailman 3: a delay is no failure yet, and a policy
// rejection (DMARC, spam) is about the sender or the message.
func scored(r bounce.Recipient, class queue.BounceClass) bool {
	return r.Action != "delayed" && class != queue.BouncePolicy
}

// chargedMember is whom a report's recipient is charged to: the member of
// the delivery the VERP token names, never merely the address the report
// names (anyone can write a report naming anyone; a member's forwarding
// address names someone else). A delivery to several recipients (VERP
// off, or a list) is charged only for an address it was sent to.
func chargedMember(d *queue.DeliveryInfo, reported string) (string, bool) {
	if len(d.Recipients) == 1 {
		return strings.ToLower(d.Recipients[0]), true
	}
	for _, rcpt := range d.Recipients {
		if strings.EqualFold(rcpt, reported) {
			return strings.ToLower(rcpt), true
		}
	}
	return "", false
}

// bounceTokenGrace is how long after its token expired a report is still
// matched: a relay retrying a deferred copy for days reports late. Past
// it, a report is no one's (a replayed or forged one, most likely).
const bounceTokenGrace = 7 * 24 * time.Hour

// bouncedDelivery finds the delivery a report is about by its VERP token.
func (in *intake) bouncedDelivery(ctx context.Context, report *bounce.Report, msg *inbound) (*queue.DeliveryInfo, error) {
	for _, tok := range bounce.VERPTokens(report, in.account.Address, msg.Facts.Header) {
		t, err := in.tokens.OpenKind(tok, token.Bounce, in.now())
		if err != nil && !errors.Is(err, token.ErrExpired) {
			continue // not ours, or another kind of token
		}
		if err != nil && !in.now().Before(t.Expires.Add(bounceTokenGrace)) {
			continue // expired beyond the grace period
		}
		d, err := in.store.DeliveryByID(ctx, t.ID)
		if errors.Is(err, queue.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look up bounced delivery %d: %w", t.ID, err)
		}
		return &d, nil
	}
	return nil, nil
}

// bounceClass maps a report's class to the store's; success reports and
// unreadable ones count against nobody.
func bounceClass(c bounce.Class) (queue.BounceClass, bool) {
	switch c {
	case bounce.Hard:
		return queue.BounceHard, true
	case bounce.Soft:
		return queue.BounceSoft, true
	case bounce.Policy:
		return queue.BouncePolicy, true
	}
	return "", false
}

func statusString(s [3]int) string {
	if s[0] == 0 {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", s[0], s[1], s[2])
}

// warnDisabled tells of each address newly disabled by its bounces: the
// member, by a note to that address (it may still accept mail: a full
// mailbox empties), and the moderators of the caucuses it belongs to and
// notify. The store marks it told, so each disabling is told once.
func (g *Gateway) warnDisabled(ctx context.Context) {
	list, err := g.cfg.Store.DisabledUnwarned(ctx)
	if err != nil {
		if ctx.Err() == nil {
			g.log.Error("list addresses disabled by bounces", "error", err)
		}
		return
	}
	for _, m := range list {
		if err := g.warnDisabledMember(ctx, m); err != nil {
			g.log.Error("tell of an address disabled by bounces", "address", m.Address, "error", err)
			continue
		}
		if err := g.cfg.Store.MarkWarned(ctx, m.Address, g.cfg.Now()); err != nil {
			g.log.Error("mark disabled address told", "address", m.Address, "error", err)
		}
	}
}

// warnDisabledMember queues the notes about m's disabling, as notices of
// the message whose copy bounced last.
func (g *Gateway) warnDisabledMember(ctx context.Context, m queue.MemberState) error {
	d, err := g.cfg.Store.DeliveryByID(ctx, m.DeliveryID)
	if err != nil {
		return fmt.Errorf("read bounced delivery %d: %w", m.DeliveryID, err)
	}
	msg, err := g.cfg.Store.GetMessage(ctx, d.MessageRef)
	if err != nil {
		return fmt.Errorf("read bounced message %d: %w", d.MessageRef, err)
	}
	acct := g.accountNamed(msg.Account)
	caucuses, moderators := g.memberCaucuses(m.Address)
	g.log.Warn("address disabled by bounces", "address", m.Address, "score", m.Score, "caucuses", strings.Join(caucuses, ","))
	told := append([]string{m.Address}, moderators...)
	if g.cfg.Notify != "" {
		told = append(told, g.cfg.Notify)
	}
	var notices []queue.NewDelivery
	for i, to := range told {
		n := disabledNotice(acct.Address, to, m, caucuses, i == 0)
		n.MessageID = noticeMessageID(fmt.Sprintf("disabled %s %d", m.Address, m.DisabledAt.UnixMicro()), i, acct.Address)
		notices = append(notices, queue.NewDelivery{Recipients: []string{to}, Spec: mustJSON(deliverySpec{Notice: &n})})
	}
	_, err = g.cfg.Store.AddDeliveries(ctx, d.MessageRef, notices)
	return err
}

// memberCaucuses are the caucuses whose roster lists address, and their
// moderators, each once.
func (g *Gateway) memberCaucuses(address string) (caucuses, moderators []string) {
	for _, c := range g.cfg.Rules.Current().Caucuses() {
		if !slices.ContainsFunc(c.Members, func(m string) bool { return strings.EqualFold(m, address) }) {
			continue
		}
		caucuses = append(caucuses, c.ID)
		for _, mod := range c.Moderators {
			if !slices.Contains(moderators, mod) {
				moderators = append(moderators, mod)
			}
		}
	}
	return caucuses, moderators
}

// disabledNotice is the note to the member (toMember) or to a moderator.
func disabledNotice(account, to string, m queue.MemberState, caucuses []string, toMember bool) noticeSpec {
	list := strings.Join(caucuses, ", ")
	if toMember {
		return noticeSpec{Account: account, To: to, Subject: "Your caucus mail is paused: your address bounced",
			Body: fmt.Sprintf("Mail to %s has bounced repeatedly, so it no longer gets the copies of %s.\n\n"+
				"If your mailbox works again, ask a caucus moderator to re-enable it.\n", m.Address, list)}
	}
	return noticeSpec{Account: account, To: to, Subject: "Address disabled by bounces: " + m.Address,
		Body: fmt.Sprintf("%s reached a bounce score of %.1f and gets no copies of %s any more.\n\n"+
			"Re-enable it on the admin page (Members) or with:\n  caucusgate members -config FILE enable %s\n",
			m.Address, m.Score, list, m.Address)}
}
