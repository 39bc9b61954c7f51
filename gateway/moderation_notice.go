package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"caucusgate/gateway/token"
	"caucusgate/queue"
	"caucusgate/rules"
)

// moderationSpec asks a moderator to decide on a held message. The
// Reply-To token naming the held record is made at send time: the record's
// id exists only once intake has committed.
type moderationSpec struct {
	Account string `json:"account"`
	To      string `json:"to"`
	From    string `json:"from"`    // the held message's sender
	Subject string `json:"subject"` // the held message's subject
	Reason  string `json:"reason"`
}

// planModeration writes one notice per moderator of a held message.
func planModeration(set *rules.Set, d rules.Decision, msg *inbound, acct Account) []queue.NewDelivery {
	req := holdRequest(set, d)
	if req == nil {
		return nil
	}
	var out []queue.NewDelivery
	seen := map[string]bool{}
	for _, mod := range req.Moderators {
		mod = strings.ToLower(mod)
		if seen[mod] || mod == strings.ToLower(acct.Address) {
			continue
		}
		seen[mod] = true
		spec := moderationSpec{Account: acct.Address, To: mod, From: msg.Facts.From, Subject: msg.Facts.Subject, Reason: req.Reason}
		out = append(out, queue.NewDelivery{Recipients: []string{mod}, Spec: mustJSON(deliverySpec{Moderation: &spec})})
	}
	return out
}

// moderationComposer finds the held record the notice is about, or
// errNothingToSend when the message was decided meanwhile.
func (d *deliverer) moderationComposer(ctx context.Context, spec moderationSpec, job queue.Delivery) (composeFunc, error) {
	held, err := d.store.ListHeld(ctx, queue.HeldFilter{MessageRef: job.MessageRef, States: []queue.HeldState{queue.HeldWaiting}})
	if err != nil {
		return nil, err
	}
	if len(held) == 0 {
		return nil, errNothingToSend
	}
	h := held[len(held)-1]
	replyTo := token.PlusAddress(spec.Account, d.tokens.Seal(token.Token{Kind: token.Moderation, ID: h.ID, Expires: h.ExpiresAt}))
	return func(w io.Writer, raw io.Reader) error {
		return writeModerationNotice(w, spec, h, replyTo, raw, d.now(), d.loc)
	}, nil
}

// errNothingToSend says a delivery has become pointless (the held message
// it asked about was decided): it completes without sending.
var errNothingToSend = errors.New("nothing to send any more")

// writeModerationNotice writes the request: what was held and why, how to
// answer, and the held message itself attached (message/rfc822) so that
// the moderator reads exactly what would be forwarded.
func writeModerationNotice(w io.Writer, spec moderationSpec, h queue.HeldInfo, replyTo string, raw io.Reader, now time.Time, loc *time.Location) error {
	var hdr mail.Header
	hdr.SetAddressList("From", []*mail.Address{{Name: "caucusgate moderation", Address: spec.Account}})
	hdr.SetAddressList("To", []*mail.Address{{Address: spec.To}})
	hdr.SetAddressList("Reply-To", []*mail.Address{{Address: replyTo}})
	hdr.SetDate(now)
	hdr.SetMessageID(fmt.Sprintf("held-%d-%s@caucusgate.%s", h.ID, slug(spec.To), domainOf(spec.Account)))
	hdr.Set("Subject", mime.QEncoding.Encode("utf-8", "Held for moderation: "+oneLine(spec.Subject)))
	hdr.Set("Auto-Submitted", "auto-generated")
	hdr.Set("X-Loop", spec.Account)
	mw, err := mail.CreateWriter(w, hdr)
	if err != nil {
		return fmt.Errorf("compose moderation notice: %w", err)
	}
	if err := writeModerationText(mw, spec, h, loc); err != nil {
		return err
	}
	if err := attachOriginal(mw, raw); err != nil {
		return err
	}
	return mw.Close()
}

func writeModerationText(mw *mail.Writer, spec moderationSpec, h queue.HeldInfo, loc *time.Location) error {
	var th mail.InlineHeader
	th.Set("Content-Type", "text/plain; charset=utf-8")
	tw, err := mw.CreateSingleInline(th)
	if err != nil {
		return fmt.Errorf("compose moderation notice: %w", err)
	}
	body := fmt.Sprintf("A message is held for moderation.\r\n\r\n  From:    %s\r\n  Subject: %s\r\n  Why:     %s\r\n  Expires: %s\r\n\r\n"+
		"To decide, reply to this message with, on the first line:\r\n\r\n  approve\r\n\r\nor\r\n\r\n  reject REASON\r\n\r\n"+
		"The other moderators are told of your decision. The held message is attached.\r\n",
		oneLine(spec.From), oneLine(spec.Subject), oneLine(spec.Reason), h.ExpiresAt.In(loc).Format(time.RFC1123))
	if _, err := io.WriteString(tw, body); err != nil {
		return err
	}
	return tw.Close()
}

func attachOriginal(mw *mail.Writer, raw io.Reader) error {
	var ah mail.AttachmentHeader
	ah.Set("Content-Type", "message/rfc822")
	ah.Set("Content-Disposition", "inline")
	ah.Set("Content-Transfer-Encoding", "8bit")
	aw, err := mw.CreateAttachment(ah)
	if err != nil {
		return fmt.Errorf("compose moderation notice: %w", err)
	}
	if _, err := io.Copy(aw, raw); err != nil {
		return fmt.Errorf("compose moderation notice: attach original: %w", err)
	}
	return aw.Close()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
