package gateway

import (
	"fmt"

	"caucusgate/queue"
)

// notifyAdmins tells the admins (config notify) of something about msg
// that needs a human: a tripped circuit breaker, say. Nothing when no
// address is configured; the log says it all the same.
func (in *intake) notifyAdmins(subject, body string, msg *inbound) []queue.NewDelivery {
	if in.notify == "" {
		return nil
	}
	n := noticeSpec{Account: in.account.Address, To: in.notify, Subject: subject,
		Body:      fmt.Sprintf("%s\n\n  Message-ID: <%s>\n  From:       %s\n  Subject:    %s\n", body, msg.MessageID, msg.Facts.From, msg.Facts.Subject),
		InReplyTo: msg.MessageID, MessageID: "alert-" + noticeMessageID(msg.Fingerprint, 0, in.account.Address)}
	return []queue.NewDelivery{{Recipients: []string{in.notify}, Spec: mustJSON(deliverySpec{Notice: &n})}}
}
