package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"caucusgate/gateway/bounce"
	"caucusgate/gateway/listwatch"
	"caucusgate/queue"
	"caucusgate/rules"
)

// Is a copy to a list caucus distributed? (issue 10). A list server holds
// a post silently, or tells only its owners, so the gateway confirms
// positively: our copy coming back through the list (the bureau being
// subscribed) marks its delivery distributed; the list's notices and bounce
// reports to the caucus's envelope mark it held or rejected; a copy with no
// confirmation within lists.confirm_within is "not seen on the list"
// (listunseen.go). None of these messages is ever forwarded.

// listWarnReplyTo is the kind of warning a copy that came back without
// its reply token raises on the caucus's page.
const listWarnReplyTo = "reply-to"

// classifyListMail recognises a caucus list's word about our copies: the
// copy itself coming back (which the rules' guards already keep from
// being forwarded), and the list server's notices.
func classifyListMail(set *rules.Set, acct Account, d rules.Decision, msg *inbound) (classified, bool) {
	switch d.NeverForwarded {
	case rules.GuardDeliveryReport, rules.GuardAutoReply:
		return classified{}, false
	case "":
	default:
		if id := throughAnyList(set, msg); id != "" && msg.MessageID != "" {
			return classified{kind: kindListCopy, caucus: id}, true
		}
		return classified{}, false
	}
	if id := listNoticeCaucus(set, acct, msg); id != "" {
		return classified{kind: kindListNotice, caucus: id}, true
	}
	return classified{}, false
}

// listNoticeCaucus is the list caucus whose server sent msg (from its
// -owner, -request, -bounces addresses or its domain's robot), or to whose
// fixed envelope msg came; "" for none.
func listNoticeCaucus(set *rules.Set, acct Account, msg *inbound) string {
	env, _ := bounce.ListCaucus(nil, acct.Address, msg.Facts.Header)
	for _, c := range set.Caucuses() {
		if c.Address == "" {
			continue
		}
		if listwatch.FromListServer(msg.Facts.From, c.Address) || strings.EqualFold(env, c.ID) {
			return c.ID
		}
	}
	return ""
}

// listCopyReturned marks the delivery of a copy that came back through its
// caucus's list distributed, and warns on the caucus's page when the list
// took the reply token out of Reply-To. The rules' decision (never
// forwarded) stands.
func (in *intake) listCopyReturned(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, caucus string) (handled, error) {
	c, _ := set.Caucus(caucus)
	id, err := in.listDelivery(ctx, c, []string{msg.MessageID}, false)
	if err != nil || id == 0 {
		return handled{decision: d}, err
	}
	if _, err := in.store.ConfirmList(ctx, queue.ListConfirmation{DeliveryID: id, Caucus: c.ID,
		State: queue.ListDistributed, Detail: "came back through the list", At: in.now()}); err != nil {
		return handled{}, err
	}
	d.Reason = fmt.Sprintf("our copy to caucus %s came back through its list: distributed; %s", c.ID, d.Reason)
	return handled{decision: d}, in.checkReplyTo(ctx, c, msg)
}

// checkReplyTo warns when a copy came back without its reply token in
// Reply-To, and clears the warning once one comes back with it.
func (in *intake) checkReplyTo(ctx context.Context, c rules.Caucus, msg *inbound) error {
	if listwatch.ReplyTokenKept(msg.Facts.Header["Reply-To"], in.account.Address) {
		return in.store.ClearListWarning(ctx, c.ID)
	}
	in.log.Warn("a caucus list dropped the reply token from Reply-To", "caucus", c.ID, "message_id", msg.MessageID)
	return in.store.WarnList(ctx, queue.ListWarning{Caucus: c.ID, Kind: listWarnReplyTo, MessageID: msg.MessageID, At: in.now(),
		Detail: fmt.Sprintf("our copy came back through the list without its reply token in Reply-To (it reads %q): "+
			"answers will not find their way to the gateway. Set the list to keep the poster's Reply-To "+
			"(Mailman: reply_goes_to_list no_munging, first_strip_reply_to false, no DMARC mitigation that munges From)",
			strings.Join(msg.Facts.Header["Reply-To"], ", "))})
}

// listNoticeReceived records what a list server's notice says of our copy:
// held or rejected. It is never forwarded, whatever the rules say.
func (in *intake) listNoticeReceived(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, raw []byte, caucus string) (handled, error) {
	c, _ := set.Caucus(caucus)
	verdict := listwatch.Judge(msg.Facts.Subject, msg.Facts.Body)
	reason := fmt.Sprintf("a notice from the list of caucus %s (%s): never forwarded", c.ID, verdict)
	if verdict == listwatch.Unknown {
		return handled{decision: undecided(d, reason)}, nil
	}
	id, err := in.listDelivery(ctx, c, listwatch.CitedMessageIDs(raw, msg.MessageID), true)
	if err != nil || id == 0 {
		return handled{decision: undecided(d, reason)}, err
	}
	state := queue.ListHeld
	if verdict == listwatch.Rejected {
		state = queue.ListRejected
	}
	_, err = in.store.ConfirmList(ctx, queue.ListConfirmation{DeliveryID: id, Caucus: c.ID, State: state,
		Detail: "the list's notice: " + msg.Facts.Subject, At: in.now()})
	return handled{decision: undecided(d, reason)}, err
}

// listRejectedByReport marks the copy a delivery report to a caucus's
// list envelope is about rejected (Google Groups and Microsoft 365 refuse
// posts that way). The report's bounces are recorded by the bounce code.
func (in *intake) listRejectedByReport(ctx context.Context, set *rules.Set, msg *inbound, raw []byte) error {
	caucus, ok := bounce.ListCaucus(nil, in.account.Address, msg.Facts.Header)
	if report, parsed := bounce.Parse(raw); !ok && parsed {
		caucus, ok = bounce.ListCaucus(report, in.account.Address, msg.Facts.Header)
	}
	c, known := set.Caucus(caucus)
	if !ok || !known || c.Address == "" {
		return nil
	}
	id, err := in.listDelivery(ctx, c, listwatch.CitedMessageIDs(raw, msg.MessageID), true)
	if err != nil || id == 0 {
		return err
	}
	_, err = in.store.ConfirmList(ctx, queue.ListConfirmation{DeliveryID: id, Caucus: c.ID, State: queue.ListRejected,
		Detail: "a delivery report to the caucus's list envelope: " + msg.Facts.Subject, At: in.now()})
	return err
}

// listCopyHorizon is how far back a notice that names no Message-ID of
// ours is taken to be about the caucus's latest unconfirmed copy.
const listCopyHorizon = 30 * 24 * time.Hour

// listDelivery is the delivery of our copy to c's list that one of ids
// names (the latest, when the same message went to the list twice); with
// latest, failing that, the caucus's latest copy with nothing known of it.
// 0 when none.
func (in *intake) listDelivery(ctx context.Context, c rules.Caucus, ids []string, latest bool) (int64, error) {
	for _, mid := range ids {
		refs, err := in.store.InvitationOf(ctx, mid)
		if err != nil {
			return 0, err
		}
		for _, r := range slices.Backward(refs) {
			if id, err := in.listCopyOf(ctx, c, r); id != 0 || err != nil {
				return id, err
			}
		}
	}
	if !latest {
		return 0, nil
	}
	now := in.now()
	copies, err := in.store.ListCopies(ctx, bounce.ListSender(in.account.Address, c.ID), now.Add(-listCopyHorizon), now.Add(time.Second), 20)
	for _, cp := range copies {
		if cp.State == "" || cp.State == queue.ListNotSeen {
			return cp.DeliveryID, err
		}
	}
	return 0, err
}

// listCopyOf is r's delivery when it is a copy to c's list.
func (in *intake) listCopyOf(ctx context.Context, c rules.Caucus, r queue.ForwardRef) (int64, error) {
	if !strings.EqualFold(r.Caucus, c.ID) {
		return 0, nil
	}
	d, err := in.store.DeliveryByID(ctx, r.DeliveryID)
	if errors.Is(err, queue.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(d.Recipients) == 1 && strings.EqualFold(d.Recipients[0], c.Address) {
		return d.ID, nil
	}
	return 0, nil
}
