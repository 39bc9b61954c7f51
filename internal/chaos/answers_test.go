package chaos_test

import (
	"bytes"
	"fmt"
	"net/mail"

	gomail "github.com/emersion/go-message/mail"

	"caucusgate/internal/chaos"
)

// answer sends a caucus member's answer to the oldest forwarded invitation
// not answered yet, through Postfix to its copy's Reply-To (the bureau's
// plus-address with a token): the daemon relays it to the inviter at the
// next slot of the reply schedule, in a digest.
func (r *run) answer() {
	i, replyTo, ok := r.unanswered()
	if !ok {
		return
	}
	r.answered[i] = true
	id := fmt.Sprintf("answer-%d@gender-caucus.example.net", i)
	msg := fmt.Sprintf("From: member%d@gender-caucus.example.net\r\nTo: %s\r\n"+
		"Subject: Re: Invitation %d to the consultation\r\nMessage-ID: <%s>\r\n"+
		"In-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nThe gender caucus answers invitation %d.\r\n%s\r\n",
		i, replyTo, i, id, invitationID(i), invitationID(i), i, chaos.Marker(id))
	r.stack.SendSMTP(r.t, fmt.Sprintf("member%d@gender-caucus.example.net", i), []string{replyTo}, []byte(msg))
	r.expected = append(r.expected, chaos.Key{MessageID: id, Rcpt: inviter})
}

// unanswered finds a forwarded copy in the gender caucus's Maildir whose
// invitation has no answer yet, and its Reply-To.
func (r *run) unanswered() (int, string, bool) {
	for _, raw := range r.stack.Messages(r.t, caucuses[0]) {
		h, err := gomail.CreateReader(bytes.NewReader(raw))
		if err != nil {
			r.t.Fatalf("a copy to %s does not parse: %v", caucuses[0], err)
		}
		var i int
		id, _ := h.Header.MessageID()
		if _, err := fmt.Sscanf(id, "chaos-%d@itu.int", &i); err != nil || r.answered[i] {
			continue
		}
		addr, err := mail.ParseAddress(h.Header.Get("Reply-To"))
		if err != nil {
			r.t.Fatalf("copy %s: Reply-To %q: %v", id, h.Header.Get("Reply-To"), err)
		}
		return i, addr.Address, true
	}
	return 0, "", false
}
