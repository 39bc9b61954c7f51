package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"caucusgate/gateway/bounce"
	"caucusgate/gateway/compose"
	invitations "caucusgate/gateway/invitation"
	"caucusgate/gateway/metrics"
	"caucusgate/gateway/smtprelay"
	"caucusgate/gateway/token"
	"caucusgate/queue"
)

// deliverer sends one delivery job's copy through the relay. It is the
// queue's Deliverer: the queue records the attempt before calling it and the
// "sent" record after it returns nil.
type deliverer struct {
	now    func() time.Time
	store  *queue.Store
	relay  *smtprelay.Relay
	tokens *token.Keyring
	signer compose.Signer // nil: no DKIM signature
	notify string         // the admins' address, told of failed deliveries
	loc    *time.Location // the zone of the times the notices show
	log    *slog.Logger
	events *events
}

var _ queue.Deliverer = (*deliverer)(nil)

func (d *deliverer) Deliver(ctx context.Context, job queue.Delivery, raw io.Reader) error {
	var spec deliverySpec
	if err := json.Unmarshal(job.Spec, &spec); err != nil {
		return queue.Permanent(fmt.Errorf("decode delivery %d: %w", job.ID, err))
	}
	envelope, compose, err := d.composer(ctx, spec, job)
	if errors.Is(err, errNothingToSend) {
		d.log.Info("delivery has nothing to send any more", "delivery", job.ID)
		return nil
	}
	var res smtprelay.Result
	if err == nil {
		res, err = d.send(ctx, envelope, compose, raw)
	}
	var requeue []queue.NewDelivery
	if err == nil && len(res.Rejected) > 0 {
		requeue = d.partial(job, res)
	}
	d.logAttempt(job, err)
	d.events.attempted(err)
	err = classify(err)
	if queue.IsPermanent(err) && spec.Forward != nil {
		d.notifyFailure(ctx, job, spec.Forward.Account, err)
	}
	if err == nil && len(requeue) > 0 {
		// The queue records this delivery as sent and the requeued one in
		// one transaction: committing the new delivery first, as this did,
		// resent to everyone after a crash in between, and lost the refused
		// recipients when that write failed.
		return &queue.PartiallyAccepted{Requeue: requeue}
	}
	return err
}

// notifyFailure tells the admins (config notify) that a copy could not be
// delivered: a caucus list that no longer exists must not fail in silence.
func (d *deliverer) notifyFailure(ctx context.Context, job queue.Delivery, account string, failure error) {
	if d.notify == "" {
		return
	}
	n := noticeSpec{Account: account, To: d.notify,
		Subject: fmt.Sprintf("caucusgate: delivery to %s failed", strings.Join(job.Recipients, ", ")),
		Body: fmt.Sprintf("A forwarded copy could not be delivered and will not be retried.\n\n  Caucus:     %s\n  Recipients: %s\n  Error:      %v\n\n"+
			"caucusgate queue list -state failed shows it; caucusgate queue retry %d tries again.\n",
			job.Caucus, strings.Join(job.Recipients, ", "), failure, job.ID),
		MessageID: fmt.Sprintf("failed-%d@caucusgate.%s", job.ID, domainOf(account))}
	if _, err := d.store.AddDeliveries(ctx, job.MessageRef, []queue.NewDelivery{{Recipients: []string{d.notify}, Spec: mustJSON(deliverySpec{Notice: &n})}}); err != nil {
		d.log.Error("notify admins of a failed delivery", "delivery", job.ID, "error", err)
	}
}

// send streams the composed copy into the relay's DATA. A copy that cannot
// be composed fails for good.
func (d *deliverer) send(ctx context.Context, env smtprelay.Envelope, compose composeFunc, raw io.Reader) (smtprelay.Result, error) {
	res, err := streamTo(ctx, d.relay, d.signer, env, func(w io.Writer) error { return compose(w, raw) })
	if ce := (*errCompose)(nil); errors.As(err, &ce) {
		return res, queue.Permanent(ce)
	}
	return res, err
}

// partial handles a transaction of several recipients (a roster without
// VERP) that the relay accepted for some only. The accepted got their copy:
// this delivery is done. The recipients refused for now go into a new
// delivery of the same copy, returned for the queue to record with this
// one's success and retried on its own; those refused for good are logged.
func (d *deliverer) partial(job queue.Delivery, res smtprelay.Result) []queue.NewDelivery {
	var retry []string
	for rcpt, e := range res.Rejected {
		if smtprelay.Temporary(e) {
			retry = append(retry, rcpt)
			continue
		}
		d.log.Error("recipient refused", "delivery", job.ID, "message_id", job.MessageID, "caucus", job.Caucus, "recipient", rcpt, "error", e)
	}
	if len(retry) == 0 {
		return nil
	}
	slices.Sort(retry)
	return []queue.NewDelivery{{Caucus: job.Caucus, EnvelopeFrom: job.EnvelopeFrom, Recipients: retry, Spec: job.Spec}}
}

// composeFunc writes a delivery's message, reading the original from raw.
type composeFunc func(w io.Writer, raw io.Reader) error

// bounceTokenTTL bounds how late a bounce of a copy is still matched to it.
const bounceTokenTTL = 30 * 24 * time.Hour

// composer returns a delivery's envelope and how to write its message. A
// forwarded copy gets its tokens now: a Reply-To that brings answers back
// to this delivery, and a VERP envelope sender that names it in a bounce.
func (d *deliverer) composer(ctx context.Context, spec deliverySpec, job queue.Delivery) (smtprelay.Envelope, composeFunc, error) {
	env := smtprelay.Envelope{From: job.EnvelopeFrom, To: job.Recipients}
	switch {
	case spec.Notice != nil:
		return env, func(w io.Writer, _ io.Reader) error { return writeNotice(w, *spec.Notice, d.now()) }, nil
	case spec.Reminder != nil:
		m := *spec.Reminder
		env.From = d.reminderSender(m, job)
		return env, func(w io.Writer, _ io.Reader) error { return invitations.WriteReminder(w, m, d.now()) },
			reminderStillDue(ctx, d.store, job.MessageRef, m.Caucus)
	case spec.Moderation != nil:
		compose, err := d.moderationComposer(ctx, *spec.Moderation, job)
		return env, compose, err
	case spec.Forward != nil:
		c := spec.Forward.Spec
		now := d.now()
		c.ReplyTo = token.PlusAddress(c.Account, d.tokens.Seal(token.Token{Kind: token.Reply, ID: job.ID, Expires: now.Add(spec.Forward.ReplyTTL)}))
		c.Date = now
		if !spec.Forward.NoVERP {
			env.From = bounce.VERPSender(c.Account, d.tokens.Seal(token.Token{Kind: token.Bounce, ID: job.ID, Expires: now.Add(bounceTokenTTL)}))
		}
		return env, func(w io.Writer, raw io.Reader) error { return compose.Write(w, c, raw) }, nil
	}
	return env, nil, queue.Permanent(fmt.Errorf("delivery %d: its spec names nothing to send", job.ID))
}

// rejectedError reports a recipient the relay refused, for callers that
// send to one recipient at a time.
func rejectedError(res smtprelay.Result) error {
	for rcpt, e := range res.Rejected {
		return fmt.Errorf("recipient %s: %w", rcpt, e)
	}
	return nil
}

// classify maps relay errors to the queue's: temporary ones (4xx, network,
// quota) are retried with backoff, the others fail this job only.
func classify(err error) error {
	if err == nil || queue.IsPermanent(err) {
		return err
	}
	if smtprelay.Temporary(err) {
		return err
	}
	return queue.Permanent(err)
}

func (d *deliverer) logAttempt(job queue.Delivery, err error) {
	attrs := []any{"delivery", job.ID, "message_id", job.MessageID, "caucus", job.Caucus, "recipients", job.Recipients, "attempt", job.Attempt}
	switch deliveryResult(err) {
	case metrics.Sent:
		d.log.Info("delivered", attrs...)
	case metrics.Deferred:
		d.log.Warn("delivery deferred", append(attrs, "error", err)...)
	default:
		d.log.Error("delivery failed", append(attrs, "error", err)...)
	}
}
