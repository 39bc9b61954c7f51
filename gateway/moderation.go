package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"caucusgate/gateway/compose"
	"caucusgate/queue"
	"caucusgate/rules"
	"caucusgate/rules/schedule"
)

// Moderation acts on held messages. The admin page, `caucusgate held` and
// moderators' emailed answers all go through it, so an approval always
// means the same thing: the message goes on through the rules after the one
// that held it and is forwarded where they send it, once.
type Moderation struct {
	store    *queue.Store
	rules    *RulesHolder
	accounts map[string]Account
	now      func() time.Time
	log      *slog.Logger
	links    func(caucus, member string) (mailto, https string) // nil: no List-Unsubscribe
	dmarc    *compose.DMARC                                     // nil: from_rewrite dmarc rewrites always
}

// Moderation returns the gateway's moderation.
func (g *Gateway) Moderation() *Moderation {
	m := NewModeration(g.cfg.Store, g.cfg.Rules, g.cfg.Accounts, g.log)
	m.now, m.dmarc = g.cfg.Now, g.dmarc
	return m
}

// NewModeration acts on the held messages of store outside a daemon (the
// held command): only the accounts' names and addresses are used.
func NewModeration(store *queue.Store, rules *RulesHolder, accounts []Account, log *slog.Logger) *Moderation {
	byName := map[string]Account{}
	for _, a := range accounts {
		byName[a.Name] = a
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Moderation{store: store, rules: rules, accounts: byName, now: time.Now, log: log}
}

// Approve releases held message id on behalf of by (a moderator's address
// or the admin's name). It returns the deliveries the approval made.
func (m *Moderation) Approve(ctx context.Context, id int64, by string) (queue.ApprovalOutcome, error) {
	held, msg, in, err := m.load(ctx, id)
	if err != nil {
		return queue.ApprovalOutcome{}, err
	}
	acct, set := m.accounts[msg.Account], m.rules.Current()
	d := set.Resume(&in.Facts, rules.Env{AccountAddress: acct.Address, ListIDDomain: domainOf(acct.Address)}, holdInfo(held, msg))
	unsubscribed, err := m.store.Unsubscribed(ctx)
	if err != nil {
		return queue.ApprovalOutcome{}, err
	}
	p := planner{set: set, acct: acct, rewriteFrom: rewriteFrom(ctx, m.dmarc, set, in.Facts.From), unsubscribed: unsubscribed, unsubscribeLinks: m.links, now: m.now()}
	next := queue.Approval{Deliveries: p.plan(d, in), Hold: holdRequest(set, d)}
	next.Deliveries = append(next.Deliveries, m.tellOthers(held, acct, by, "approved", "")...)
	out, err := m.store.ApproveHeldWith(ctx, id, by, next)
	if err != nil {
		return out, err
	}
	m.log.Info("held message approved", "held", id, "by", by, "message_id", msg.MessageID,
		"decision", d.Action.String(), "caucuses", d.Caucuses, "deliveries", len(out.DeliveryIDs))
	return out, nil
}

// Reject refuses held message id; the other moderators are told.
func (m *Moderation) Reject(ctx context.Context, id int64, by, reason string) error {
	held, err := m.store.GetHeld(ctx, id)
	if err != nil {
		return err
	}
	if err := m.store.RejectHeld(ctx, id, by, reason); err != nil {
		return err
	}
	msg, err := m.store.GetMessage(ctx, held.MessageRef)
	if err != nil {
		return err
	}
	if notices := m.tellOthers(held, m.accounts[msg.Account], by, "rejected", reason); len(notices) > 0 {
		if _, err := m.store.AddDeliveries(ctx, held.MessageRef, notices); err != nil {
			return fmt.Errorf("tell the other moderators: %w", err)
		}
	}
	m.log.Info("held message rejected", "held", id, "by", by, "message_id", held.MessageID, "reason", reason)
	return nil
}

// load reads a held message back: its record, its processed record and its
// bytes, parsed as intake parsed them.
func (m *Moderation) load(ctx context.Context, id int64) (queue.HeldInfo, queue.MessageInfo, *inbound, error) {
	held, err := m.store.GetHeld(ctx, id)
	if err != nil {
		return held, queue.MessageInfo{}, nil, err
	}
	if held.State != queue.HeldWaiting {
		return held, queue.MessageInfo{}, nil, fmt.Errorf("held message %d is %s: %w", id, held.State, queue.ErrWrongState)
	}
	msg, err := m.store.GetMessage(ctx, held.MessageRef)
	if err != nil {
		return held, msg, nil, err
	}
	if _, ok := m.accounts[msg.Account]; !ok {
		return held, msg, nil, fmt.Errorf("held message %d came from account %q, which is no longer configured", id, msg.Account)
	}
	raw, err := m.store.MessageRaw(ctx, held.MessageRef)
	if err != nil {
		return held, msg, nil, err
	}
	return held, msg, parseInbound(raw), nil
}

// holdInfo is where the rules resume: the stored decision's hold, or, for
// a record without one, the held record's rule position.
func holdInfo(held queue.HeldInfo, msg queue.MessageInfo) rules.HoldInfo {
	var tr traceRecord
	if err := json.Unmarshal(msg.Trace, &tr); err == nil && tr.Decision.Held != nil {
		return *tr.Decision.Held
	}
	return rules.HoldInfo{Rule: held.Rule, RuleIndex: held.RuleIndex, Reason: held.Reason, Caucuses: msg.Caucuses}
}

// tellOthers writes the notices that tell the other moderators what one of
// them decided, so that nobody acts on a message already dealt with.
func (m *Moderation) tellOthers(held queue.HeldInfo, acct Account, by, verb, reason string) []queue.NewDelivery {
	var out []queue.NewDelivery
	for _, mod := range held.Moderators {
		if strings.EqualFold(mod, by) || acct.Address == "" {
			continue
		}
		body := fmt.Sprintf("%s %s the held message\n\n  From:    %s\n  Subject: %s\n", by, verb, held.From, held.Subject)
		if reason != "" {
			body += "  Reason:  " + reason + "\n"
		}
		n := noticeSpec{Account: acct.Address, To: mod, Subject: fmt.Sprintf("Held message %s: %s", verb, held.Subject),
			Body: body, InReplyTo: strings.Trim(held.MessageID, "<>"),
			MessageID: fmt.Sprintf("moderation-%d-%s-%s@caucusgate.%s", held.ID, verb, slug(mod), domainOf(acct.Address))}
		out = append(out, queue.NewDelivery{Recipients: []string{mod}, Spec: mustJSON(deliverySpec{Notice: &n})})
	}
	return out
}

func slug(addr string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(addr))
}

// moderatorCommand reads a moderator's emailed answer: "approve", or
// "reject REASON", on the first line that is not blank.
func moderatorCommand(body string) (verb, reason string, ok bool) {
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		switch strings.ToLower(strings.TrimRight(word, ".:!")) {
		case "approve", "approved", "accept":
			return "approve", "", true
		case "reject", "rejected", "refuse":
			return "reject", strings.TrimSpace(rest), true
		}
		return "", "", false
	}
	return "", "", false
}

// isModerator reports whether addr may decide on held.
func isModerator(held queue.HeldInfo, addr string) bool {
	return addr != "" && slices.ContainsFunc(held.Moderators, func(m string) bool { return strings.EqualFold(m, addr) })
}

var errNotModerator = errors.New("the sender is not a moderator of this message")

// ReleaseReply sends a caucus reply held for review on to the inviter, at
// the next slot of its schedule (at once for immediate).
func (m *Moderation) ReleaseReply(ctx context.Context, id int64, by string) error {
	item, err := m.store.GetPending(ctx, id)
	if err != nil {
		return err
	}
	due := m.now()
	if s, err := schedule.Parse(item.Schedule); err == nil {
		due = s.DueSlot(due)
	}
	if err := m.store.ReleasePending(ctx, id, due); err != nil {
		return err
	}
	m.log.Info("held reply released", "item", id, "by", by, "to", item.Destination, "due", due)
	return nil
}

// DropReply refuses a caucus reply held for review: it is never relayed.
func (m *Moderation) DropReply(ctx context.Context, id int64, by string) error {
	if err := m.store.DropPending(ctx, id); err != nil {
		return err
	}
	m.log.Info("held reply dropped", "item", id, "by", by)
	return nil
}
