package gateway

import (
	"context"
	"fmt"

	"caucusgate/gateway/imapwatch"
	"caucusgate/queue"
	"caucusgate/rules"
)

var (
	_ imapwatch.Recogniser     = (*intake)(nil)
	_ imapwatch.SuspectAlerter = (*intake)(nil)
)

// Recognise tells, from the key header fields alone, which messages of a
// new UIDVALIDITY were processed under an earlier one: the fallback
// fingerprint (Message-ID, Date, From), computed as intake computes it.
func (in *intake) Recognise(ctx context.Context, mailbox string, uidValidity uint32, headers map[uint32][]byte) (map[uint32]bool, error) {
	fps := make(map[uint32]string, len(headers))
	list := make([]string, 0, len(headers))
	for uid, h := range headers {
		fps[uid] = parseInbound(h).Fallback
		list = append(list, fps[uid])
	}
	known, err := in.store.KnownFallbacks(ctx, in.key(mailbox), uidValidity, list)
	if err != nil {
		return nil, err
	}
	out := make(map[uint32]bool, len(headers))
	for uid, fp := range fps {
		out[uid] = known[fp]
	}
	return out, nil
}

// handleUnlessSuspect holds a message the watcher marked suspect (old mail
// made to look new by a restore) as it is: it is not a reply to relay, an
// answer or an unsubscription either, whatever its headers say.
func (in *intake) handleUnlessSuspect(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, m imapwatch.Message) (handled, error) {
	if m.Suspect != "" {
		return handled{decision: d}, nil
	}
	return in.handle(ctx, set, d, msg, m.Raw)
}

// AlertSuspects tells the admins, in one notice per pass, how many
// restored messages were held rather than forwarded after a UIDVALIDITY
// change. The notice hangs on one of them.
func (in *intake) AlertSuspects(ctx context.Context, mailbox string, uidValidity uint32, uid uint32, count int) error {
	if in.notify == "" {
		return nil
	}
	ref, err := in.store.MessageRefByUID(ctx, in.key(mailbox), uidValidity, uid)
	if err != nil || ref == 0 {
		return err
	}
	subject := fmt.Sprintf("caucusgate: %s/%s: %d restored messages held", in.account.Name, mailbox, count)
	body := fmt.Sprintf("After the mailbox's UIDVALIDITY changed (its server restored or rebuilt it), %d messages\n"+
		"arrived whose server date is after the mailbox's start boundary but whose Date is days before it:\n"+
		"most likely old mail restored by a file copy or an import. They are held for moderation on the\n"+
		"admin page, not forwarded. Approve those that are really new.\n", count)
	id := noticeMessageID(fmt.Sprintf("suspects %d %d", uidValidity, ref), 0, in.account.Address)
	n := noticeSpec{Account: in.account.Address, To: in.notify, Subject: subject, Body: body, MessageID: "alert-" + id}
	_, err = in.store.AddDeliveries(ctx, ref, []queue.NewDelivery{{Recipients: []string{in.notify}, Spec: mustJSON(deliverySpec{Notice: &n})}})
	return err
}
