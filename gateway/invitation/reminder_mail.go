package invitation

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// ReminderMail is one reminder as its delivery stores it: fixed when it is
// recorded, so that every retry sends the same message.
type ReminderMail struct {
	Account    string    `json:"account"` // the gateway's address: From
	To         string    `json:"to"`      // the list address, or the roster member(s)
	Caucus     string    `json:"caucus"`
	CaucusName string    `json:"caucus_name,omitempty"`
	Subject    string    `json:"subject"` // the invitation's, without tags
	Inviter    string    `json:"inviter,omitempty"`
	Deadline   time.Time `json:"deadline"` // in the display zone
	Reminder   string    `json:"reminder"` // "7d"
	ReplyTo    string    `json:"reply_to"` // the copy's Reply-To: answers go to the inviter
	InReplyTo  string    `json:"in_reply_to"`
	MessageID  string    `json:"message_id"`
	// VERP sends it with a VERP envelope sender naming its own delivery,
	// as a roster member's copy is sent, so that its bounce is charged to
	// the member. False for a list, and for a roster copy sent to several
	// members at once (forwarding.verp: false).
	VERP bool `json:"verp,omitempty"`
}

// ReminderMessageID is a reminder's fixed Message-ID: one per invitation,
// caucus and reminder, whichever instance sends it and however often.
func ReminderMessageID(invitation int64, caucus, reminder, account string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "reminder %d %s %s", invitation, caucus, reminder))
	domain := "localhost"
	if at := strings.LastIndexByte(account, '@'); at >= 0 {
		domain = strings.ToLower(account[at+1:])
	}
	return "<reminder-" + hex.EncodeToString(sum[:10]) + "@caucusgate." + domain + ">"
}

// ReminderSubject is the subject of a reminder: the invitation's, marked.
func ReminderSubject(subject string) string {
	return "Reminder: " + strings.TrimSpace(subject)
}

// WriteReminder composes a reminder: one short plain-text message in the
// thread of the caucus's copy (In-Reply-To and References name the copy;
// Reply-To is the copy's, so an answer reaches the inviter as any answer
// to the copy does). It is marked auto-generated (RFC 3834) and carries
// the gateway's X-Loop, so that it never comes back as an invitation.
func WriteReminder(w io.Writer, m ReminderMail, date time.Time) error {
	for _, v := range []string{m.Account, m.To, m.Subject, m.ReplyTo, m.InReplyTo, m.MessageID, m.CaucusName} {
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("compose reminder: header value contains a line break")
		}
	}
	to, err := mail.ParseAddressList(m.To)
	if err != nil {
		return fmt.Errorf("compose reminder: To %q: %w", m.To, err)
	}
	var h mail.Header
	h.SetAddressList("From", []*mail.Address{{Name: "caucusgate", Address: m.Account}})
	h.SetAddressList("To", to)
	if m.ReplyTo != "" {
		h.SetAddressList("Reply-To", []*mail.Address{{Address: m.ReplyTo}})
	}
	h.SetDate(date)
	h.SetMessageID(strings.Trim(m.MessageID, "<>"))
	if id := strings.Trim(m.InReplyTo, "<>"); id != "" {
		h.SetMsgIDList("In-Reply-To", []string{id})
		h.SetMsgIDList("References", []string{id})
	}
	h.Set("Subject", mime.QEncoding.Encode("utf-8", ReminderSubject(m.Subject)))
	h.Set("Auto-Submitted", "auto-generated")
	h.Set("X-Loop", m.Account)
	h.Set("X-Auto-Response-Suppress", "OOF, AutoReply")
	h.Set("X-Caucusgate-Reminder", m.Reminder)
	h.Set("MIME-Version", "1.0")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	body, err := mail.CreateSingleInlineWriter(w, h)
	if err != nil {
		return fmt.Errorf("compose reminder: %w", err)
	}
	if _, err := io.WriteString(body, reminderText(m)); err != nil {
		return fmt.Errorf("compose reminder: %w", err)
	}
	return body.Close()
}

// reminderText is the body: the subject, the deadline, how to answer.
func reminderText(m ReminderMail) string {
	who := m.CaucusName
	if who == "" {
		who = m.Caucus
	}
	inviter := "the inviter"
	if m.Inviter != "" {
		inviter = m.Inviter
	}
	lines := []string{
		fmt.Sprintf("The invitation %q asks for an answer by %s.", m.Subject, m.Deadline.Format("Monday 2 January 2006")),
		"",
		fmt.Sprintf("No answer from %s has reached the bureau yet.", who),
		fmt.Sprintf("To answer, reply to this message (or to the invitation): your reply goes to %s.", inviter),
		"",
		"-- ",
		"caucusgate, for the bureau",
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}
