package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"caucusgate/gateway/bounce"
	"caucusgate/gateway/token"
	"caucusgate/queue"
)

// bounces reads a delivery report (RFC 3464) that came back to the bureau
// mailbox and names, for each failed recipient, the delivery it concerns:
// through the VERP token of the envelope sender the copy was sent with. A
// report names nothing when it is not one of ours. The message itself is
// never forwarded: the rules' guard sees to that.
func (in *intake) bounces(ctx context.Context, msg *inbound, raw []byte) ([]queue.Bounce, error) {
	report, ok := bounce.Parse(raw)
	if !ok {
		return nil, nil
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
		out = append(out, queue.Bounce{
			DeliveryID: delivery.ID, Member: member, Caucus: delivery.Caucus,
			Class: class, Status: statusString(r.Status), Diagnostic: r.Diagnostic, At: in.now(),
		})
	}
	return out, nil
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
