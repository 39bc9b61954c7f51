package gateway

import (
	"context"
	"fmt"
	"time"

	"caucusgate/gateway/imapwatch"
	"caucusgate/queue"
)

var _ imapwatch.AckAlerter = (*intake)(nil)

// AlertAckBacklog tells the admins (config notify) that the IMAP server
// has refused acknowledgements for hours: intake goes on, but the mail
// stays in the mailbox. The notice hangs on the oldest pending message.
func (in *intake) AlertAckBacklog(ctx context.Context, mailbox string, uidValidity uint32, b imapwatch.AckBacklog) error {
	if in.notify == "" {
		return nil
	}
	ref, ok, err := in.store.OldestUnacked(ctx, in.key(mailbox), uidValidity)
	if err != nil || !ok {
		return err
	}
	subject := fmt.Sprintf("caucusgate: %s/%s: the IMAP server refuses acknowledgements", in.account.Name, mailbox)
	body := fmt.Sprintf("Since %s the IMAP server has refused to acknowledge processed mail\n"+
		"(keyword, or the move to done_mailbox). %d messages are processed and wait in %s;\n"+
		"new mail is still taken. The last refusal:\n\n  %v\n\n"+
		"Check done_mailbox against the server's namespace (Cyrus wants INBOX.Name) and its quota;\n"+
		"`caucusgate check -online` tries it.\n",
		b.Since.UTC().Format(time.RFC3339), b.Count, mailbox, b.Err)
	id := noticeMessageID(fmt.Sprintf("ack-backlog %d %d", ref, b.Since.Unix()), 0, in.account.Address)
	n := noticeSpec{Account: in.account.Address, To: in.notify, Subject: subject, Body: body, MessageID: "alert-" + id}
	_, err = in.store.AddDeliveries(ctx, ref, []queue.NewDelivery{{Recipients: []string{in.notify}, Spec: mustJSON(deliverySpec{Notice: &n})}})
	return err
}
