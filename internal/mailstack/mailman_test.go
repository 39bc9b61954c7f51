package mailstack

import (
	"strings"
	"testing"
	"time"
)

// mailmanSettle is the failure budget for a post to pass through Postfix,
// the Mailman core and Postfix again into Dovecot.
const mailmanSettle = 2 * time.Minute

// TestMailmanListDistributes: a post to a Mailman list made with the
// README's settings reaches its members through the stack, with the list's
// List-Id and the poster's Reply-To kept; a non-member's post is held.
func TestMailmanListDistributes(t *testing.T) {
	s, m := StartWithMailman(t, Options{Users: []string{"bureau@example.org"}})
	list := m.CreateList(t, "gender", ListSettings())
	m.Subscribe(t, list, "ana@example.org")
	m.AcceptNonMember(t, list, "bureau@example.org")

	post := "From: bureau@example.org\r\nTo: " + list + "\r\nReply-To: bureau+tok@example.org\r\n" +
		"Subject: [caucus-test] hello\r\nMessage-ID: <mm-1@example.org>\r\n\r\nhello list\r\n"
	s.SendSMTP(t, "bureau+list-gender@example.org", []string{list}, []byte(post))
	got := s.WaitMessages(t, "ana@example.org", 1, mailmanSettle)[0]
	if id := headerLine(got, "List-Id"); !strings.Contains(id, "<gender.lists.example.org>") {
		t.Errorf("List-Id = %q, want the list's", id)
	}
	if rt := headerLine(got, "Reply-To"); !strings.Contains(rt, "bureau+tok@example.org") {
		t.Errorf("Reply-To = %q, want the poster's kept", rt)
	}
	if subj := headerLine(got, "Subject"); subj != "[caucus-test] hello" {
		t.Errorf("Subject = %q, want no list prefix", subj)
	}

	stranger := "From: someone@elsewhere.example\r\nTo: " + list + "\r\nSubject: hi\r\n" +
		"Message-ID: <mm-2@elsewhere.example>\r\n\r\nlet me in\r\n"
	s.SendSMTP(t, "someone@elsewhere.example", []string{list}, []byte(stranger))
	s.WaitPostfixIdle(t, mailmanSettle)
	m.WaitIdle(t, mailmanSettle)
	if n := m.Held(t, list); n != 1 {
		t.Errorf("%d posts held, want the non-member's", n)
	}
}
