package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"caucusgate/gateway/bounce"
	invitations "caucusgate/gateway/invitation"
	"caucusgate/gateway/token"
	"caucusgate/queue"
	"caucusgate/rules"
	"caucusgate/rules/schedule"
)

// invitation reads a message that goes (or, held, may go) to caucuses as an
// invitation: its inviter, tag-free subject and dates. It runs before the
// store transaction (the date search is CPU work); nil for other mail.
func (in *intake) invitation(set *rules.Set, d rules.Decision, msg *inbound, raw []byte) (*queue.NewInvitation, *invitations.Trace) {
	if in.invitations == nil || !tracked(d) {
		return nil, nil
	}
	inv, trace := in.invitations.Read(invitations.Message{Raw: raw, Subject: set.StripTag(msg.Facts.Subject),
		Inviter: inviterFor(set, msg), Received: in.now(), TagTrusted: mayTagDeadline(set, msg)})
	return &inv, &trace
}

// tracked says a decision makes an invitation: a forward to caucuses, or a
// hold (an approval may forward it; only then is it listed).
func tracked(d rules.Decision) bool {
	return (d.Action == rules.Forward && len(d.Caucuses) > 0) || d.Action == rules.Hold
}

// inviterFor is who answers go back to, as replies.relay_to resolves it.
func inviterFor(set *rules.Set, msg *inbound) string {
	switch r := set.Replies().RelayTo; r {
	case "", "sender":
		return inviterOf(msg, set.Bureau().Members)
	case "bureau":
		return strings.Join(set.Bureau().Members, ", ")
	default:
		return r
	}
}

// mayTagDeadline says the sender may set a deadline by subject tag: an
// authenticated bureau member, as for routing tags.
func mayTagDeadline(set *rules.Set, msg *inbound) bool {
	if !slices.Contains(set.Bureau().Members, strings.ToLower(msg.Facts.From)) {
		return false
	}
	ok, _ := set.SenderAuthenticated(&msg.Facts)
	return ok
}

// reminderSeries names the slots of the reminders' pass: one instance runs
// each slot (ClaimSlot), and the store records each reminder once anyway.
const reminderSeries = "invitations reminders"

// reminderEvery is the length of a reminders' slot: reminders are days
// apart, a few minutes is precise enough.
const reminderEvery = 5 * time.Minute

// remindInvitations records the reminders due now, each with its
// deliveries (the durable queue sends them, at least once), once per
// invitation, caucus and reminder across restarts and instances.
func (s *scheduler) remindInvitations(ctx context.Context) error {
	reminders := s.invitations.RemindersOf()
	now := s.now()
	slot := now.Truncate(reminderEvery)
	if len(reminders) == 0 || !slot.After(s.remindedSlot) {
		return nil
	}
	if ok, err := s.store.ClaimSlot(ctx, reminderSeries, slot, s.instance); err != nil || !ok {
		return err
	}
	if err := s.remindAll(ctx, reminders, now); err != nil {
		return err
	}
	s.remindedSlot = slot
	if err := s.store.ReleaseClaim(ctx, reminderSeries, slot, s.instance); err != nil {
		return err
	}
	return s.store.PruneClaims(ctx, reminderSeries, slot.Add(-24*time.Hour))
}

// remindAll records every reminder due at now. The claim keeps two
// instances from scanning at once; the store's key makes each reminder
// once even so.
func (s *scheduler) remindAll(ctx context.Context, reminders []invitations.Reminder, now time.Time) error {
	// A deadline holds all its day: those of the last two days may be open.
	invs, err := s.store.RemindableInvitations(ctx, now.Add(-48*time.Hour))
	if err != nil || len(invs) == 0 {
		return err
	}
	gone, err := s.store.Unsubscribed(ctx)
	if err != nil {
		return err
	}
	viewer := invitations.NewViewer(s.invitations)
	var errs []error
	for _, inv := range invs {
		for _, due := range invitations.DueReminders(viewer.View(inv, now), reminders, now) {
			errs = append(errs, s.remind(ctx, inv, due, gone))
		}
	}
	return errors.Join(errs...)
}

// remind records one reminder: a message in the thread of each copy the
// caucus was sent (to the list address, or to the roster members a
// forward would reach now: gone are those who unsubscribed or were
// disabled by their bounces, as queue.Store.Unsubscribed maps them), with
// that copy's Reply-To, so that an answer reaches the inviter as any
// answer to the copy does. A caucus no copy reached yet gets none now.
func (s *scheduler) remind(ctx context.Context, inv queue.Invitation, due invitations.Due, gone map[string][]string) error {
	copies, err := s.store.InvitationCopies(ctx, inv.ID, due.Caucus)
	if err != nil || len(copies) == 0 {
		return err
	}
	set := s.rules.Current()
	c, known := set.Caucus(due.Caucus)
	var reached []string
	if known {
		reached = planner{set: set, unsubscribed: gone}.recipients(c)
	}
	key := queue.ReminderKey{Invitation: inv.ID, Caucus: due.Caucus, Reminder: due.Reminder.Name}
	r := queue.NewReminder{ReminderKey: key}
	for _, cp := range copies {
		var spec deliverySpec
		if err := json.Unmarshal(cp.Spec, &spec); err != nil || spec.Forward == nil {
			continue
		}
		rcpts := cp.Recipients
		if spec.Forward.ListAddress == "" {
			rcpts = stillReached(rcpts, reached)
		}
		if len(rcpts) == 0 {
			continue
		}
		r.MessageID = invitations.ReminderMessageID(inv.ID, due.Caucus, due.Reminder.Name, spec.Forward.Account)
		m := s.reminderMail(inv, due, c, cp, *spec.Forward, rcpts, r.MessageID)
		r.Deliveries = append(r.Deliveries, queue.NewDelivery{EnvelopeFrom: cp.EnvelopeFrom, Recipients: rcpts,
			Spec: mustJSON(deliverySpec{Reminder: &m})})
	}
	if len(r.Deliveries) == 0 {
		return nil
	}
	recorded, err := s.store.RecordReminder(ctx, r)
	if recorded {
		s.log.Info("invitation reminder queued", "invitation", inv.ID, "caucus", due.Caucus, "reminder", due.Reminder.Name, "deliveries", len(r.Deliveries))
	}
	return err
}

// reminderMail is the reminder that follows copy cp to rcpts: in its
// thread, with its Reply-To, and with its kind of envelope (VERP for a
// roster member's own copy, so that a bounce is charged to the member).
func (s *scheduler) reminderMail(inv queue.Invitation, due invitations.Due, c rules.Caucus, cp queue.InvitationCopy,
	fwd forwardSpec, rcpts []string, messageID string) invitations.ReminderMail {
	return invitations.ReminderMail{Account: fwd.Account, To: strings.Join(rcpts, ", "), Caucus: due.Caucus, CaucusName: c.Name,
		Subject: inv.Subject, Inviter: inv.Inviter, Deadline: inv.Deadline.At.In(s.zone()), Reminder: due.Reminder.Name,
		ReplyTo:   copyReplyTo(s.tokens, fwd.Account, cp, fwd.ReplyTTL),
		InReplyTo: firstNonEmpty(inv.MessageID, fwd.MessageID), MessageID: messageID,
		VERP: !fwd.NoVERP && fwd.ListAddress == ""}
}

// stillReached keeps the recipients of a roster copy that a forward to
// the caucus would reach now (reached, compared ignoring case): a member
// who unsubscribed, was disabled by bounces or left the roster since the
// copy gets no reminder of it.
func stillReached(rcpts, reached []string) []string {
	var out []string
	for _, r := range rcpts {
		if slices.ContainsFunc(reached, func(m string) bool { return strings.EqualFold(m, r) }) {
			out = append(out, r)
		}
	}
	return out
}

// reminderSender is a reminder's envelope sender: a VERP address naming
// its delivery when its copy had one (bounces are charged to the member,
// as a copy's are), else the one its delivery was recorded with.
func (d *deliverer) reminderSender(m invitations.ReminderMail, job queue.Delivery) string {
	if !m.VERP {
		return job.EnvelopeFrom
	}
	return bounce.VERPSender(m.Account, d.tokens.Seal(token.Token{Kind: token.Bounce, ID: job.ID, Expires: d.now().Add(bounceTokenTTL)}))
}

// copyReplyTo is the Reply-To the copy was sent with: its token names the
// copy's delivery and expires when the copy's does (tokens are sealed
// deterministically, and expire at a UTC midnight).
func copyReplyTo(tokens *token.Keyring, account string, cp queue.InvitationCopy, ttl time.Duration) string {
	return token.PlusAddress(account, tokens.Seal(token.Token{Kind: token.Reply, ID: cp.DeliveryID, Expires: cp.Sent.Add(ttl)}))
}

func (s *scheduler) zone() *time.Location {
	if s.invitations == nil || s.invitations.Zone == nil {
		return time.UTC
	}
	return s.invitations.Zone
}

// reminderStillDue says whether a reminder is still worth its attempt:
// not when the caucus answered, or the invitation was closed, since it was
// recorded. When the store cannot tell, it is sent: at least once.
func reminderStillDue(ctx context.Context, store *queue.Store, ref int64, caucus string) error {
	inv, err := store.GetInvitation(ctx, ref)
	if err != nil {
		return nil
	}
	if !inv.Closed.IsZero() {
		return errNothingToSend
	}
	for _, c := range inv.Caucuses {
		if c.Caucus == caucus && c.Answers > 0 {
			return errNothingToSend
		}
	}
	return nil
}

// summarySeries prefixes the claims of the summary's slots.
const summarySeries = "invitations summary "

// summaryRetry spaces the attempts of a summary that failed; it doubles
// with each attempt, up to summaryRetryMax.
const (
	summaryRetry    = time.Minute
	summaryRetryMax = 6 * time.Hour
)

// summarize sends the weekly summary (invitations.summary_to) at the
// latest slot of its schedule not sent yet: once per slot, by the one
// instance that claims it; a temporary failure waits (stored backoff,
// honoured by every instance); a crash between the relay's acceptance and
// the record repeats it with the same Message-ID.
func (s *scheduler) summarize(ctx context.Context) error {
	if s.invitations == nil || s.invitations.SummaryTo == "" {
		return nil
	}
	spec := s.invitations.SummarySpec()
	sched, err := schedule.Parse(spec)
	if err != nil {
		return fmt.Errorf("invitations summary: %w", err)
	}
	last, _, err := s.store.LastSummary(ctx, spec)
	if err != nil {
		return err
	}
	slot, due := sched.CatchUp(last, s.now())
	if !due {
		return nil
	}
	at, err := s.store.SummaryAt(ctx, spec, slot)
	if err != nil || !at.Sent.IsZero() || s.now().Before(at.NextTry) {
		return err
	}
	if ok, err := s.store.ClaimSlot(ctx, summarySeries+spec, slot, s.instance); err != nil || !ok {
		return err
	}
	return s.sendSummary(ctx, spec, slot, at.Attempts)
}

func (s *scheduler) sendSummary(ctx context.Context, spec string, slot time.Time, attempts int) error {
	from := s.summaryFrom()
	if from == "" {
		return errors.New("invitations summary: no account address to send it from")
	}
	summary, err := s.buildSummary(ctx)
	if err != nil {
		return err
	}
	m := invitations.SummaryMail{From: from, To: s.invitations.SummaryTo, MessageID: invitations.SummaryMessageID(spec, slot, from)}
	if err := s.store.BeginSummary(ctx, spec, slot, m.MessageID); err != nil {
		return err
	}
	err = s.sendComposed(ctx, from, s.invitations.SummaryTo, func(w io.Writer) error {
		return invitations.WriteSummary(w, summary, m, s.now())
	})
	if err != nil {
		wait := min(summaryRetry<<min(attempts, 16), summaryRetryMax)
		s.log.Warn("invitations summary not sent", "slot", slot, "error", err, "retry_in", wait)
		return s.store.DeferSummary(ctx, spec, slot, err.Error(), wait)
	}
	s.log.Info("invitations summary sent", "slot", slot, "to", s.invitations.SummaryTo, "open", len(summary.Open))
	return s.store.MarkSummarySent(ctx, spec, slot)
}

// buildSummary reads the invitations of the last year that may concern
// the bureau still.
func (s *scheduler) buildSummary(ctx context.Context) (invitations.Summary, error) {
	now := s.now()
	invs, err := s.store.ListInvitations(ctx, queue.InvitationFilter{Since: now.AddDate(-1, 0, 0), Limit: 1000})
	if err != nil {
		return invitations.Summary{}, err
	}
	viewer := invitations.NewViewer(s.invitations)
	views := make([]invitations.View, 0, len(invs))
	for _, inv := range invs {
		views = append(views, viewer.View(inv, now))
	}
	return invitations.NewSummary(views, now.In(s.zone())), nil
}

// summaryFrom is the address the summary comes from: the first account's.
func (s *scheduler) summaryFrom() string {
	names := make([]string, 0, len(s.accounts))
	for name := range s.accounts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, n := range names {
		if a := s.accounts[n].Address; a != "" {
			return a
		}
	}
	return ""
}
