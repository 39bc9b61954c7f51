package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

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
	relay  *smtprelay.Relay
	tokens *token.Keyring
	log    *slog.Logger
	events *events
}

var _ queue.Deliverer = (*deliverer)(nil)

func (d *deliverer) Deliver(ctx context.Context, job queue.Delivery, raw io.Reader) error {
	var spec deliverySpec
	if err := json.Unmarshal(job.Spec, &spec); err != nil {
		return queue.Permanent(fmt.Errorf("decode delivery %d: %w", job.ID, err))
	}
	err := d.send(ctx, job, d.composer(spec, job), raw)
	d.logAttempt(job, err)
	d.events.attempted(err)
	return classify(err)
}

// send streams the composed copy into the relay's DATA: memory stays bounded
// whatever the message's size.
func (d *deliverer) send(ctx context.Context, job queue.Delivery, compose composeFunc, raw io.Reader) error {
	pr, pw := io.Pipe()
	composed := make(chan error, 1)
	go func() {
		err := compose(pw, raw)
		pw.CloseWithError(err)
		composed <- err
	}()
	res, err := d.relay.Send(ctx, smtprelay.Envelope{From: job.EnvelopeFrom, To: job.Recipients}, pr)
	pr.CloseWithError(errors.New("relay stopped reading"))
	if cerr := <-composed; cerr != nil && err == nil {
		return queue.Permanent(cerr)
	}
	if err != nil {
		return err
	}
	return rejectedError(res)
}

// composeFunc writes a delivery's message, reading the original from raw.
type composeFunc func(w io.Writer, raw io.Reader) error

func (d *deliverer) composer(spec deliverySpec, job queue.Delivery) composeFunc {
	switch {
	case spec.Notice != nil:
		return func(w io.Writer, _ io.Reader) error {
			return writeNotice(w, *spec.Notice, d.now())
		}
	case spec.Forward != nil:
		return func(w io.Writer, raw io.Reader) error { return composeResend(w, *spec.Forward, raw) }
	}
	return func(io.Writer, io.Reader) error {
		return fmt.Errorf("delivery %d: its spec names nothing to send", job.ID)
	}
}

// rejectedError reports recipients the relay refused while it accepted
// others; a delivery job has one recipient, so this is the whole job.
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
	attrs := []any{"delivery", job.ID, "caucus", job.Caucus, "recipients", job.Recipients, "attempt", job.Attempt}
	switch deliveryResult(err) {
	case metrics.Sent:
		d.log.Info("delivered", attrs...)
	case metrics.Deferred:
		d.log.Warn("delivery deferred", append(attrs, "error", err)...)
	default:
		d.log.Error("delivery failed", append(attrs, "error", err)...)
	}
}
