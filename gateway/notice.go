package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"caucusgate/queue"
	"caucusgate/rules"
)

// noticeSpec is a notice caucusgate writes itself, to an authorized bureau
// member only (an unknown caucus name in their tag, a rejection): never to
// an outsider, so no backscatter.
type noticeSpec struct {
	Account   string `json:"account"` // the gateway's address: From
	To        string `json:"to"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
	InReplyTo string `json:"in_reply_to,omitempty"` // the message the notice is about
	MessageID string `json:"message_id"`            // fixed at intake: every retry sends the same message
}

// planNotices turns a decision's notices into deliveries.
func planNotices(d rules.Decision, msg *inbound, acct Account) []queue.NewDelivery {
	var out []queue.NewDelivery
	for i, n := range d.Notices {
		if strings.EqualFold(n.To, acct.Address) || n.To == "" {
			continue
		}
		spec := deliverySpec{Notice: &noticeSpec{
			Account: acct.Address, To: n.To, Subject: n.Subject, Body: n.Body, InReplyTo: msg.MessageID,
			MessageID: noticeMessageID(msg.Fingerprint, i, acct.Address),
		}}
		out = append(out, queue.NewDelivery{EnvelopeFrom: "", Recipients: []string{n.To}, Spec: mustJSON(spec)})
	}
	return out
}

func noticeMessageID(fingerprint string, i int, account string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("notice %d %s", i, fingerprint)))
	return "notice-" + hex.EncodeToString(sum[:10]) + "@caucusgate." + domainOf(account)
}

// writeNotice composes a notice: plain text, marked as an automatic reply
// (RFC 3834) so that no vacation responder answers it, and sent with a null
// envelope sender so that a bounce of it goes nowhere.
func writeNotice(w io.Writer, n noticeSpec, now time.Time) error {
	account := n.Account
	for _, v := range []string{n.To, n.Subject, n.InReplyTo, n.MessageID} {
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("compose notice: header value contains a line break")
		}
	}
	var h mail.Header
	h.SetAddressList("From", []*mail.Address{{Name: "caucusgate", Address: account}})
	h.SetAddressList("To", []*mail.Address{{Address: n.To}})
	h.SetDate(now)
	h.SetMessageID(n.MessageID)
	if n.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{n.InReplyTo})
	}
	h.Set("Subject", mime.QEncoding.Encode("utf-8", n.Subject))
	h.Set("Auto-Submitted", "auto-replied")
	h.Set("X-Loop", account)
	h.Set("MIME-Version", "1.0")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	mw, err := mail.CreateSingleInlineWriter(w, h)
	if err != nil {
		return fmt.Errorf("compose notice: %w", err)
	}
	body := strings.ReplaceAll(strings.ReplaceAll(n.Body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := io.WriteString(mw, body); err != nil {
		return fmt.Errorf("compose notice: %w", err)
	}
	return mw.Close()
}
