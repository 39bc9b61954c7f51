package gateway

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"caucusgate/queue"
	"caucusgate/rules"
)

// committing is one message of a batch on its way to the store, with what
// intake decided and how far it has been stripped to be storable.
type committing struct {
	inc queue.Incoming
	d   rules.Decision
	raw []byte
	out queue.Outcome
	// stripped counts the isolations of the message: 1 once it is
	// recorded held with its text cut short, 2 once held bare.
	stripped int
	raced    bool // met another writer's key once, and was retried alone
}

// The shapes a message the store refused is recorded in, last to first.
const (
	strippedCut = 1 + iota
	strippedBare
)

// maxShownText bounds each shown text of a message the store refused: no
// index entry or column limit is near it.
const maxShownText = 256

// commit records the batch. A message the store refuses with a data error
// (one that repeats every time: queue.ClassData) is isolated and recorded
// held, with the store's reason, so that the rest of the batch and the
// mailbox go on; it is never dropped. A duplicate key is a race with
// another writer, not a bad message: with the lease still ours, the rest
// is committed and that message retried alone. Any other error fails the
// batch, retried as a whole as before.
func (in *intake) commit(ctx context.Context, set *rules.Set, key queue.MailboxKey, uidValidity uint32, batch []*committing) error {
	for {
		incs := make([]queue.Incoming, len(batch))
		for i, c := range batch {
			incs[i] = c.inc
		}
		outs, err := in.store.Intake(ctx, key, uidValidity, incs)
		if err == nil {
			for i, o := range outs {
				batch[i].out = o
			}
			return nil
		}
		i, found := queue.FailedMessage(err)
		if !found && len(batch) == 1 {
			i, found = 0, true
		}
		switch class := queue.Classify(err); {
		case class == queue.ClassData && !found:
			return in.commitEach(ctx, set, key, uidValidity, batch)
		case class == queue.ClassData || (class == queue.ClassDuplicate && found && batch[i].raced):
			if !in.isolate(set, batch[i], err) {
				return err
			}
		case class == queue.ClassDuplicate && found:
			return in.retryAlone(ctx, set, key, uidValidity, batch, i, err)
		default:
			return err
		}
	}
}

// commitEach commits the messages one by one: the store refused the batch
// with a data error it did not tie to one message.
func (in *intake) commitEach(ctx context.Context, set *rules.Set, key queue.MailboxKey, uidValidity uint32, batch []*committing) error {
	for _, c := range batch {
		if err := in.commit(ctx, set, key, uidValidity, []*committing{c}); err != nil {
			return err
		}
	}
	return nil
}

// retryAlone handles a duplicate key met by message i: unless the lease
// was lost meanwhile (then nothing more is written), the others are
// committed, then message i alone, where its record is found processed.
func (in *intake) retryAlone(ctx context.Context, set *rules.Set, key queue.MailboxKey, uidValidity uint32, batch []*committing, i int, dup error) error {
	if err := in.store.CheckLease(ctx); err != nil {
		return errors.Join(dup, err)
	}
	in.log.Warn("duplicate key at intake: another writer got there first; retrying the message alone",
		"account", key.Account, "mailbox", key.Mailbox, "uid", batch[i].inc.UID, "error", dup)
	alone := batch[i]
	alone.raced = true
	if len(batch) > 1 {
		rest := append(append([]*committing{}, batch[:i]...), batch[i+1:]...)
		if err := in.commit(ctx, set, key, uidValidity, rest); err != nil {
			return err
		}
	}
	return in.commit(ctx, set, key, uidValidity, []*committing{alone})
}

// isolate replaces a refused message by its record held with the store's
// reason: first with its shown text cut short and valid, then bare. It
// returns false when the message was recorded bare already: the store
// refuses even that, and the batch fails.
func (in *intake) isolate(set *rules.Set, c *committing, cause error) bool {
	if c.stripped == strippedBare {
		return false
	}
	c.stripped++
	reason := "could not be stored as received, held instead: " + shownText(storeReason(cause), 4*maxShownText)
	in.log.Error("message refused by the store; held", "account", in.account.Name, "uid", c.inc.UID,
		"message_id", c.inc.MessageID, "class", queue.Classify(cause).String(), "error", cause, "shape", c.stripped)
	c.d = refusedDecision(c.d, reason)
	if c.stripped == strippedBare {
		c.inc = bareRecord(set, c.inc, c.d, c.raw)
		return true
	}
	c.inc = in.cutRecord(set, c.inc, c.d, c.raw)
	return true
}

// storeReason is what the store said, without the batch's wrapping.
func storeReason(err error) string {
	var me *queue.MessageError
	if errors.As(err, &me) {
		return me.Err.Error()
	}
	return err.Error()
}

// refusedDecision holds the message with reason; one a rule held already
// keeps that rule (an approval resumes after it) and says why it held.
func refusedDecision(d rules.Decision, reason string) rules.Decision {
	d.Notices = nil
	if d.Action == rules.Hold && d.Held != nil {
		h := *d.Held
		if !strings.HasPrefix(h.Reason, "could not be stored") {
			reason += " (held by the rules: " + h.Reason + ")"
		}
		h.Reason = reason
		d.Reason, d.Held = reason, &h
		return d
	}
	return heldByGateway(d, reason)
}

// cutRecord is the message held, its shown text cut short and valid, with
// the moderators' request; no deliveries, bounces, items nor invitation.
func (in *intake) cutRecord(set *rules.Set, old queue.Incoming, d rules.Decision, raw []byte) queue.Incoming {
	msg := parseInbound(raw)
	msg.MessageID = shownText(msg.MessageID, maxShownText)
	msg.Facts.Subject = shownText(msg.Facts.Subject, maxShownText)
	msg.Facts.From = shownText(msg.Facts.From, maxShownText)
	msg.Fingerprint = fingerprint(msg.MessageID, raw)
	trace, _ := traceRecord{Decision: d, Warnings: []string{d.Reason}}.encode()
	inc := bareRecord(set, old, d, raw)
	inc.MessageID, inc.Fingerprint, inc.FallbackFingerprint = msg.MessageID, msg.Fingerprint, shownText(old.FallbackFingerprint, maxShownText)
	inc.Subject, inc.From, inc.Trace = msg.Facts.Subject, msg.Facts.From, trace
	inc.Deliveries = planner{set: set, acct: in.account, now: in.now()}.plan(d, msg)
	return inc
}

// bareRecord is the message held with nothing the store could refuse but
// its UID, its raw bytes and the reason: no shown text, no deliveries.
func bareRecord(set *rules.Set, old queue.Incoming, d rules.Decision, raw []byte) queue.Incoming {
	trace, _ := traceRecord{Decision: rules.Decision{Action: d.Action, Caucuses: d.Caucuses,
		Reason: d.Reason, Held: d.Held}}.encode()
	return queue.Incoming{
		UID: old.UID, Fingerprint: fingerprint("", raw), Raw: raw,
		Decision: d.Action.String(), Caucuses: d.Caucuses, Rules: d.Rules, Reason: d.Reason,
		Trace: trace, Hold: holdRequest(set, d),
	}
}

// shownText makes s safe to show and to store anywhere: valid UTF-8,
// control characters replaced, at most limit bytes.
func shownText(s string, limit int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
