package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"caucusgate/gateway/compose"
	"caucusgate/gateway/imapwatch"
	invitations "caucusgate/gateway/invitation"
	"caucusgate/gateway/token"
	"caucusgate/queue"
	"caucusgate/rules"
)

// intake is the durable side of one account's mailbox supervisors: it decides
// on each fetched message and commits message, decision and delivery jobs to
// the store in one transaction (DESIGN.md, data flow step 4).
type intake struct {
	account Account
	store   *queue.Store
	rules   *RulesHolder
	log     *slog.Logger
	now     func() time.Time
	events  *events
	tokens  *token.Keyring // signs and opens Reply-To and VERP tokens
	dmarc   *compose.DMARC // nil: from_rewrite dmarc rewrites always
	// resolver looks DKIM keys up under bureau.verify: local.
	resolver compose.Resolver

	invitations *invitations.Reader // reads invitations' dates; nil: not tracked

	moderation *Moderation
	links      func(caucus, member string) (mailto, https string)
	notify     string // the admins' address (config notify), "" for none
	// bounceScoring is how bounces count against roster addresses.
	bounceScoring queue.BounceScoring

	onDecision func(Decided)
}

// Decided is one message committed by intake, with what was decided.
type Decided struct {
	Account, Mailbox string
	UID              uint32
	MessageID        string
	From, Subject    string
	Decision         rules.Decision
	Duplicate        bool // processed before; nothing new was done
	Deliveries       int
}

var _ imapwatch.Sink = (*intake)(nil)

func (in *intake) key(mailbox string) queue.MailboxKey {
	return queue.MailboxKey{Account: in.account.Name, Mailbox: mailbox}
}

func (in *intake) Position(ctx context.Context, mailbox string, uidValidity uint32) (imapwatch.Position, error) {
	p, err := in.store.Position(ctx, in.key(mailbox), uidValidity)
	if err != nil {
		return imapwatch.Position{}, err
	}
	return imapwatch.Position{Known: p.Known, AnyEpoch: p.AnyEpoch, LastUID: p.LastUID,
		FingerprintBelow: p.FingerprintBelow, Began: p.Began, Start: p.Start}, nil
}

func (in *intake) BeginEpoch(ctx context.Context, mailbox string, e imapwatch.Epoch) error {
	in.log.Info("mailbox epoch", "account", in.account.Name, "mailbox", mailbox,
		"uidvalidity", e.UIDValidity, "after_uid", e.LastUID, "fingerprint_below", e.FingerprintBelow, "start", e.Start)
	return in.store.BeginEpoch(ctx, in.key(mailbox), queue.Epoch{
		UIDValidity: e.UIDValidity, LastUID: e.LastUID, FingerprintBelow: e.FingerprintBelow, Start: e.Start,
	})
}

func (in *intake) Unacked(ctx context.Context, mailbox string, uidValidity uint32) ([]uint32, error) {
	return in.store.Unacked(ctx, in.key(mailbox), uidValidity)
}

func (in *intake) MarkAcked(ctx context.Context, mailbox string, uidValidity uint32, uids []uint32) error {
	return in.store.MarkAcked(ctx, in.key(mailbox), uidValidity, uids)
}

// Accept decides on every message of the batch, then commits them all in
// one store transaction; a message the store refuses is held instead
// (commit).
func (in *intake) Accept(ctx context.Context, b imapwatch.Batch) error {
	set := in.rules.Current()
	in.events.fetched(b.Account, b.Mailbox, len(b.Messages))
	unsubscribed, err := in.store.Unsubscribed(ctx)
	if err != nil {
		return fmt.Errorf("read unsubscriptions: %w", err)
	}
	read, forwarded, err := in.readBatch(ctx, b.Messages)
	if err != nil {
		return err
	}
	msgs := make([]queue.Incoming, 0, len(b.Messages))
	decisions := make([]rules.Decision, 0, len(b.Messages))
	parsed := make([][]byte, 0, len(b.Messages))
	for i, m := range b.Messages {
		inc, d, err := in.prepare(ctx, set, unsubscribed, m, read[i], forwarded[read[i].MessageID])
		if err != nil {
			return err
		}
		msgs = append(msgs, inc)
		decisions = append(decisions, d)
		parsed = append(parsed, m.Raw)
	}
	in.onceInBatch(ctx, set, msgs, decisions)
	if err := in.applyBreaker(ctx, set, msgs, decisions, parsed); err != nil {
		return err
	}
	batch := make([]*committing, len(msgs))
	for i := range msgs {
		batch[i] = &committing{inc: msgs[i], d: decisions[i], raw: parsed[i]}
	}
	if err := in.commit(ctx, set, in.key(b.Mailbox), b.UIDValidity, batch); err != nil {
		return fmt.Errorf("commit batch of %d from %s/%s: %w", len(msgs), b.Account, b.Mailbox, err)
	}
	outcomes := make([]queue.Outcome, len(batch))
	for i, c := range batch {
		msgs[i], decisions[i], outcomes[i] = c.inc, c.d, c.out
	}
	in.handOff(ctx, b.Messages, msgs, outcomes)
	for i, o := range outcomes {
		in.report(b, msgs[i], decisions[i], o)
	}
	return nil
}

// readBatch reads every fetched message, and asks the store once for the
// batch which of their Message-IDs it forwarded before (the loop guard's
// first question; one statement a message was a round trip each on
// PostgreSQL). Reading a message never fails: problems are warnings kept
// in its trace.
func (in *intake) readBatch(ctx context.Context, fetched []imapwatch.Message) ([]*inbound, map[string]bool, error) {
	read := make([]*inbound, len(fetched))
	ids := make([]string, len(fetched))
	for i, m := range fetched {
		read[i] = parseInbound(m.Raw)
		ids[i] = read[i].MessageID
	}
	forwarded, err := in.store.ForwardedMessageIDs(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("look up the Message-IDs of %d messages: %w", len(fetched), err)
	}
	return read, forwarded, nil
}

// prepare turns one fetched message, read, into what the store records.
// idForwarded says whether the store has forwarded its Message-ID.
func (in *intake) prepare(ctx context.Context, set *rules.Set, unsubscribed map[string][]string, m imapwatch.Message, msg *inbound, idForwarded bool) (queue.Incoming, rules.Decision, error) {
	forwarded, err := in.forwardedBefore(ctx, set, msg, m.Raw, idForwarded)
	if err != nil {
		return queue.Incoming{}, rules.Decision{}, fmt.Errorf("look up message-id %q: %w", msg.MessageID, err)
	}
	msg.Facts.ForwardedBefore = forwarded
	if m.Oversize {
		msg.Facts.Size = m.Size
	}
	authenticate(ctx, in.resolver, in.dmarc, set, msg, m.Raw)
	d := decide(set, msg, in.account, m)
	h, err := in.handleUnlessSuspect(ctx, set, d, msg, m)
	if err != nil {
		return queue.Incoming{}, rules.Decision{}, err
	}
	d = h.decision
	if h.left != nil {
		unsubscribed[h.left.caucus] = append(unsubscribed[h.left.caucus], h.left.member)
	}
	rewriteFrom := in.rewriteFrom(ctx, set, msg)
	inv, invTrace := in.invitation(set, d, msg, m.Raw)
	trace, err := traceRecord{Decision: d, Warnings: msg.Warnings, Invitation: invTrace}.encode()
	if err != nil {
		return queue.Incoming{}, rules.Decision{}, fmt.Errorf("encode trace: %w", err)
	}
	return queue.Incoming{
		UID:                 m.UID,
		MessageID:           msg.MessageID,
		Fingerprint:         msg.Fingerprint,
		FallbackFingerprint: msg.Fallback,
		Raw:                 m.Raw,
		RawFile:             m.File(),
		Decision:            d.Action.String(),
		Caucuses:            d.Caucuses,
		Rules:               d.Rules,
		Reason:              d.Reason,
		Trace:               trace,
		Subject:             msg.Facts.Subject,
		From:                msg.Facts.From,
		Deliveries:          in.planner(set, rewriteFrom, unsubscribed).plan(d, msg),
		Bounces:             h.bounces,
		Hold:                holdRequest(set, d),
		Pending:             h.pending,
		Supersedes:          h.supersedes,
		RelayThread:         h.thread,
		Invitation:          inv,
	}, d, nil
}

func (in *intake) planner(set *rules.Set, rewriteFrom bool, unsubscribed map[string][]string) planner {
	return planner{set: set, acct: in.account, rewriteFrom: rewriteFrom, unsubscribed: unsubscribed, unsubscribeLinks: in.links, now: in.now()}
}

// handle classifies a message once and hands it to the code for its kind:
// moderators' answers, caucus replies (by token or by the In-Reply-To
// fallback), inviters' answers to relayed replies, unsubscriptions, bounces; forwards and notices keep the
// rules' decision.
func (in *intake) handle(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, raw []byte) (handled, error) {
	c := in.classify(set, d, msg)
	switch c.kind {
	case kindModeratorAnswer:
		return in.moderatorAnswer(ctx, d, msg, c.token.ID)
	case kindCaucusReply:
		return in.caucusReply(ctx, set, d, msg, c.token.ID)
	case kindInviterAnswer:
		return in.inviterAnswer(ctx, set, d, msg, c.token)
	case kindBadToken:
		return handled{decision: undecided(d, c.why)}, nil
	case kindUnsubscribe:
		return in.unsubscribeByMail(ctx, set, d, msg, c.caucus)
	case kindUnrouted:
		return in.replyFallback(ctx, set, d, msg)
	case kindListMail:
		return handled{decision: undecided(d, fmt.Sprintf("came through the list of caucus %s: discussion or our own copy, never forwarded by the rules", c.caucus))}, nil
	case kindListCopy:
		return in.listCopyReturned(ctx, set, d, msg, c.caucus)
	case kindListNotice:
		return in.listNoticeReceived(ctx, set, d, msg, raw, c.caucus)
	case kindBounce:
		bounces, err := in.bounces(ctx, set, msg, raw)
		if err == nil {
			err = in.listRejectedByReport(ctx, set, msg, raw)
		}
		return handled{decision: d, bounces: bounces}, err
	}
	return handled{decision: d}, nil // kindForward, kindNotice
}

// decide applies the rules, then what the gateway alone knows: a message
// fetched header-only for its size, or one too broken to compose a copy of,
// is held with the reason, never forwarded truncated nor dropped.
func decide(set *rules.Set, msg *inbound, acct Account, m imapwatch.Message) rules.Decision {
	d := set.Decide(&msg.Facts, rules.Env{AccountAddress: acct.Address, ListIDDomain: domainOf(acct.Address)})
	if m.Suspect != "" {
		return heldByGateway(d, m.Suspect)
	}
	if d.Action != rules.Forward {
		return d
	}
	if m.Oversize {
		return heldByGateway(d, fmt.Sprintf("message of %d bytes is over the size limit; held instead of forwarded", m.Size))
	}
	if msg.Unforwardable != nil {
		return heldByGateway(d, "too malformed to forward as it is: "+msg.Unforwardable.Error())
	}
	if mode := notResent(set, d); msg.Reencode != nil && mode != "" {
		return heldByGateway(d, "cannot be forwarded in "+mode+" mode: "+msg.Reencode.Error()+
			" (only resend mode re-encodes such parts)")
	}
	return d
}

// notResent names a mode other than resend that a copy of the decision
// would be composed in, or returns "".
func notResent(set *rules.Set, d rules.Decision) string {
	for _, id := range d.Caucuses {
		c, _ := set.Caucus(id)
		if m := firstNonEmpty(d.Mode, c.Mode, set.Forwarding().Mode); m != "" && m != string(compose.Resend) {
			return m
		}
	}
	return ""
}

// heldByGateway holds a message the rules would forward; an approval
// forwards it to the caucuses they chose.
func heldByGateway(d rules.Decision, reason string) rules.Decision {
	d.Action, d.Reason = rules.Hold, reason
	d.Held = &rules.HoldInfo{RuleIndex: d.Trace.Rules.Len() - 1, Reason: reason, Caucuses: d.Caucuses}
	return d
}

// holdRequest puts a held decision in the store's held set.
func holdRequest(set *rules.Set, d rules.Decision) *queue.HoldRequest {
	if d.Action != rules.Hold || d.Held == nil {
		return nil
	}
	moderators := d.Held.Moderators
	if len(moderators) == 0 {
		moderators = set.Bureau().Moderators
	}
	return &queue.HoldRequest{Rule: d.Held.Rule, RuleIndex: d.Held.RuleIndex, Reason: d.Held.Reason,
		Moderators: moderators, Expiry: set.Bureau().HoldExpiry}
}

func (in *intake) rewriteFrom(ctx context.Context, set *rules.Set, msg *inbound) bool {
	return rewriteFrom(ctx, in.dmarc, set, msg.Facts.From)
}

// rewriteFrom applies forwarding.from_rewrite to mail from from: dmarc
// rewrites when the sender's domain publishes quarantine or reject, or its
// policy cannot be read (a refused copy costs the invitation; a needless
// rewrite costs nothing).
func rewriteFrom(ctx context.Context, dmarc *compose.DMARC, set *rules.Set, from string) bool {
	switch set.Forwarding().FromRewrite {
	case "never":
		return false
	case "dmarc":
		if dmarc == nil || from == "" {
			return true
		}
		need, _ := dmarc.NeedsRewrite(ctx, domainOf(from))
		return need
	}
	return true
}

// report logs one committed message and tells the OnDecision hook.
func (in *intake) report(b imapwatch.Batch, m queue.Incoming, d rules.Decision, o queue.Outcome) {
	if o.Duplicate {
		in.log.Info("already processed", "account", b.Account, "mailbox", b.Mailbox, "uid", o.UID, "message_id", m.MessageID)
	} else {
		in.log.Info("decision", "account", b.Account, "mailbox", b.Mailbox, "uid", o.UID,
			"message_id", m.MessageID, "decision", m.Decision, "caucuses", m.Caucuses,
			"rules", m.Rules, "deliveries", len(o.DeliveryIDs), "reason", m.Reason)
		in.events.decided(m.Decision)
	}
	if in.onDecision != nil {
		in.onDecision(Decided{Account: b.Account, Mailbox: b.Mailbox, UID: o.UID, MessageID: m.MessageID,
			From: m.From, Subject: m.Subject, Decision: d, Duplicate: o.Duplicate, Deliveries: len(o.DeliveryIDs)})
	}
}
