package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"caucusgate/gateway/admin"
	"caucusgate/internal/msgtext"
	"caucusgate/queue"
	"caucusgate/rules"
	"caucusgate/rules/schedule"
)

// AdminBackend is what the admin pages show and act on: the store, the
// rules in force and the gateway's mailboxes.
func (g *Gateway) AdminBackend() admin.Backend {
	return &adminBackend{g: g, moderation: g.Moderation()}
}

type adminBackend struct {
	g          *Gateway
	moderation *Moderation
}

func (b *adminBackend) store() *queue.Store { return b.g.cfg.Store }

func (b *adminBackend) Held(ctx context.Context) ([]admin.Held, error) {
	list, err := b.store().ListHeld(ctx, queue.HeldFilter{States: []queue.HeldState{queue.HeldWaiting}, Limit: 500})
	if err != nil {
		return nil, err
	}
	out := make([]admin.Held, 0, len(list))
	for _, h := range list {
		out = append(out, b.held(ctx, h, listPreviewChars))
	}
	return out, nil
}

// Previews on the front page are a few lines; a message's own page shows
// what msgtext keeps by default.
const listPreviewChars = 300

// held is a held message as the pages show it, with a preview of up to
// chars characters and the caucuses its decision chose.
func (b *adminBackend) held(ctx context.Context, h queue.HeldInfo, chars int) admin.Held {
	out := admin.Held{ID: h.ID, MessageID: h.MessageID, From: h.From, Subject: h.Subject,
		Rule: h.Rule, Reason: h.Reason, HeldAt: h.HeldAt, Expires: h.ExpiresAt,
		Preview: b.preview(ctx, h.MessageRef, chars)}
	if m, err := b.store().GetMessage(ctx, h.MessageRef); err == nil {
		d := adminDecision(m, b.g.cfg.Rules.Current())
		out.Caucuses = d.Caucuses
		if tag := d.Trace.Tag; len(out.Caucuses) == 0 && tag != nil {
			out.Caucuses = tag.Caucuses // held before routing: where its tag points
		}
	}
	return out
}

// preview reads a stored message's text for a moderator. A message whose
// original is gone (purged by retention) has none, and says so.
func (b *adminBackend) preview(ctx context.Context, ref int64, chars int) admin.Preview {
	raw, err := b.store().MessageRaw(ctx, ref)
	switch {
	case errors.Is(err, queue.ErrNotFound):
		return admin.Preview{Missing: "the original is no longer kept (raw retention)"}
	case err != nil:
		return admin.Preview{Missing: err.Error()}
	}
	return admin.NewPreview(msgtext.Extract(raw, &msgtext.Options{MaxText: chars}))
}

func (b *adminBackend) HeldMessage(ctx context.Context, id int64) (admin.Held, error) {
	h, err := b.store().GetHeld(ctx, id)
	if err != nil {
		return admin.Held{}, err
	}
	return b.held(ctx, h, msgtext.DefaultMaxText), nil
}

func (b *adminBackend) HeldOriginal(ctx context.Context, id int64) ([]byte, error) {
	h, err := b.store().GetHeld(ctx, id)
	if err != nil {
		return nil, err
	}
	return b.store().MessageRaw(ctx, h.MessageRef)
}

func (b *adminBackend) HeldReply(ctx context.Context, id int64) (admin.HeldReply, error) {
	it, err := b.store().GetPending(ctx, id)
	if err != nil {
		return admin.HeldReply{}, err
	}
	r, err := b.heldReply(ctx, map[int64]queue.MessageInfo{}, it)
	if err != nil {
		return admin.HeldReply{}, err
	}
	r.Preview = b.preview(ctx, it.MessageRef, msgtext.DefaultMaxText)
	return r, nil
}

func (b *adminBackend) HeldReplyOriginal(ctx context.Context, id int64) ([]byte, error) {
	it, err := b.store().GetPending(ctx, id)
	if err != nil {
		return nil, err
	}
	return b.store().MessageRaw(ctx, it.MessageRef)
}

func (b *adminBackend) Approve(ctx context.Context, id int64, by string) error {
	_, err := b.moderation.Approve(ctx, id, "admin "+by)
	return err
}

func (b *adminBackend) Reject(ctx context.Context, id int64, by, reason string) error {
	return b.moderation.Reject(ctx, id, "admin "+by, reason)
}

// maxHeldReplies bounds the front page's list of held replies, as
// Held's 500 bounds the held messages: one page, one query.
const maxHeldReplies = 500

func (b *adminBackend) HeldReplies(ctx context.Context) ([]admin.HeldReply, error) {
	items, err := b.store().ListPending(ctx, queue.PendingFilter{States: []queue.PendingState{queue.PendingHeld}, Limit: maxHeldReplies})
	if err != nil {
		return nil, err
	}
	out := make([]admin.HeldReply, 0, len(items))
	msgs := map[int64]queue.MessageInfo{} // a reply to several inviters is one message
	for _, it := range items {
		r, err := b.heldReply(ctx, msgs, it)
		if err != nil {
			return nil, err
		}
		r.Preview = b.preview(ctx, it.MessageRef, listPreviewChars)
		out = append(out, r)
	}
	return out, nil
}

// heldReply is a held reply as the pages show it, without its preview.
func (b *adminBackend) heldReply(ctx context.Context, msgs map[int64]queue.MessageInfo, it queue.PendingItem) (admin.HeldReply, error) {
	m, err := b.replyMessage(ctx, msgs, it.MessageRef)
	if err != nil {
		return admin.HeldReply{}, err
	}
	return admin.HeldReply{ID: it.ID, Caucus: it.Caucus, To: it.Destination, Schedule: it.Schedule,
		Received: it.CreatedAt, From: m.From, Subject: m.Subject, Reason: m.Reason}, nil
}

// replyMessage reads the stored message of a held reply, once per
// message. A message the store no longer has leaves From and Subject
// empty: the reply can still be released or dropped.
func (b *adminBackend) replyMessage(ctx context.Context, seen map[int64]queue.MessageInfo, ref int64) (queue.MessageInfo, error) {
	if m, ok := seen[ref]; ok {
		return m, nil
	}
	m, err := b.store().GetMessage(ctx, ref)
	if err != nil && !errors.Is(err, queue.ErrNotFound) {
		return queue.MessageInfo{}, fmt.Errorf("read held reply's message: %w", err)
	}
	seen[ref] = m
	return m, nil
}

func (b *adminBackend) ReleaseReply(ctx context.Context, id int64, by string) error {
	return b.moderation.ReleaseReply(ctx, id, "admin "+by)
}

func (b *adminBackend) DropReply(ctx context.Context, id int64, by string) error {
	return b.moderation.DropReply(ctx, id, "admin "+by)
}

func (b *adminBackend) Decisions(ctx context.Context, limit int) ([]admin.Decision, error) {
	list, err := b.store().ListMessages(ctx, queue.MessageFilter{Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]admin.Decision, 0, len(list))
	set := b.g.cfg.Rules.Current()
	for _, m := range list {
		out = append(out, adminDecision(m, set))
	}
	return out, nil
}

func (b *adminBackend) Decision(ctx context.Context, id int64) (admin.Decision, error) {
	m, err := b.store().GetMessage(ctx, id)
	if err != nil {
		return admin.Decision{}, err
	}
	d := adminDecision(m, b.g.cfg.Rules.Current())
	ds, err := b.store().ListDeliveries(ctx, queue.DeliveryFilter{MessageRef: id, Limit: maxDecisionDeliveries})
	if err != nil {
		return admin.Decision{}, err
	}
	for _, dl := range slices.Backward(ds) { // oldest first, as they were made
		if dl.Caucus == "" {
			d.SentNotices = append(d.SentNotices, dl) // notices belong to no caucus
		} else {
			d.Deliveries = append(d.Deliveries, dl)
		}
	}
	return d, nil
}

// maxDecisionDeliveries bounds a decision page: a roster of a thousand
// members is a thousand rows, one query.
const maxDecisionDeliveries = 5000

// adminDecision is a stored message with its decision and trace read back,
// the rules that missed rendered from set (see readTraceRecord).
func adminDecision(m queue.MessageInfo, set *rules.Set) admin.Decision {
	d := admin.Decision{ID: m.ID, At: m.ReceivedAt, Account: m.Account, Mailbox: m.Mailbox,
		MessageID: m.MessageID, From: m.From, Subject: m.Subject}
	if tr, err := readTraceRecord(m, set); err == nil {
		d.Decision = tr.Decision
	}
	d.Decision.Caucuses, d.Decision.Rules, d.Decision.Reason = m.Caucuses, m.Rules, m.Reason
	return d
}

func (b *adminBackend) Deliveries(ctx context.Context, limit int) ([]admin.Delivery, error) {
	return b.store().ListDeliveries(ctx, queue.DeliveryFilter{Limit: limit})
}

func (b *adminBackend) Retry(ctx context.Context, id int64) error {
	return b.store().RetryDelivery(ctx, id)
}
func (b *adminBackend) Cancel(ctx context.Context, id int64) error {
	return b.store().CancelDelivery(ctx, id)
}

func (b *adminBackend) Schedules(ctx context.Context) ([]admin.Schedule, error) {
	infos, err := b.store().Schedules(ctx)
	if err != nil {
		return nil, err
	}
	bySpec := map[string]*admin.Schedule{}
	get := func(spec string) *admin.Schedule {
		if s, ok := bySpec[spec]; ok {
			return s
		}
		s := &admin.Schedule{Spec: spec}
		if parsed, err := schedule.Parse(spec); err == nil {
			s.Next = parsed.Next(b.g.cfg.Now())
		}
		bySpec[spec] = s
		return s
	}
	for spec, users := range b.g.cfg.Rules.Current().Schedules() {
		get(spec).Name = strings.Join(users, ", ")
	}
	for _, info := range infos {
		s := get(info.Spec)
		// The time it ran, not the slot it ran for: a first start runs the
		// latest slot passed, which precedes the daemon's start.
		s.Pending, s.LastRun = info.Pending, info.RanAt
	}
	out := make([]admin.Schedule, 0, len(bySpec))
	for _, s := range bySpec {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Spec < out[j].Spec })
	return out, nil
}

func (b *adminBackend) Caucuses(ctx context.Context) ([]admin.Caucus, error) {
	bounces, err := b.store().BounceCounts(ctx)
	if err != nil {
		return nil, err
	}
	unsubscribed, err := b.store().Unsubscribed(ctx)
	if err != nil {
		return nil, err
	}
	var out []admin.Caucus
	for _, c := range b.g.cfg.Rules.Current().Caucuses() {
		ac := admin.Caucus{ID: c.ID, Name: c.Name, Address: c.Address, Members: len(c.Members), Unsubscribed: len(unsubscribed[c.ID])}
		if ac.List, err = b.listStatus(ctx, c); err != nil {
			return nil, err
		}
		for _, mb := range bounces {
			if mb.Caucus == c.ID {
				ac.Bounces.Hard += mb.Hard
				ac.Bounces.Soft += mb.Soft
				ac.Bounces.Policy += mb.Policy
			}
		}
		out = append(out, ac)
	}
	return out, nil
}

func (b *adminBackend) RulesStatus(ctx context.Context) admin.RulesStatus {
	s := b.g.cfg.Rules.Status()
	out := admin.RulesStatus{File: s.File, Version: s.Version, LoadedAt: s.LoadedAt}
	if !s.OK() {
		out.Errors, out.FailedAt = s.Problems, s.FailedAt
	}
	return out
}

// Ready is nil when the store answers and every mailbox synced within its
// poll interval plus a grace period.
func (b *adminBackend) Ready(ctx context.Context) error {
	if _, err := b.store().QueueStats(ctx); err != nil {
		return fmt.Errorf("store unreachable: %w", err)
	}
	return b.g.health.ready(b.g.cfg.Now())
}

// Members joins the rosters of the rules in force with the store's
// bounce states: every roster address, and any address with a state that
// left every roster.
func (b *adminBackend) Members(ctx context.Context) ([]admin.Member, error) {
	states, err := b.store().MemberStates(ctx)
	if err != nil {
		return nil, err
	}
	byAddr := map[string]*admin.Member{}
	var order []string
	get := func(addr string) *admin.Member {
		addr = strings.ToLower(addr)
		if byAddr[addr] == nil {
			byAddr[addr] = &admin.Member{Address: addr}
			order = append(order, addr)
		}
		return byAddr[addr]
	}
	for _, c := range b.g.cfg.Rules.Current().Caucuses() {
		for _, m := range c.Members {
			am := get(m)
			am.Caucuses = append(am.Caucuses, c.ID)
		}
	}
	for _, st := range states {
		am := get(st.Address)
		am.Disabled, am.Score, am.LastBounce = st.Disabled, st.Score, st.LastBounce
	}
	sort.Strings(order)
	out := make([]admin.Member, 0, len(order))
	for _, a := range order {
		out = append(out, *byAddr[a])
	}
	return out, nil
}

func (b *adminBackend) EnableMember(ctx context.Context, address, by string) error {
	return b.store().EnableMember(ctx, address, by)
}
