package mailstack

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// SendSMTP submits raw to Postfix with the given envelope, failing the test
// if Postfix does not accept it for every recipient.
func (s *Stack) SendSMTP(t testing.TB, from string, to []string, raw []byte) {
	t.Helper()
	if err := s.TrySendSMTP(from, to, raw); err != nil {
		t.Fatalf("mailstack: %v", err)
	}
}

// TrySendSMTP submits raw to Postfix and returns its refusal, if any, as the
// *smtp.SMTPError it answered (for RefuseRecipients tests).
func (s *Stack) TrySendSMTP(from string, to []string, raw []byte) error {
	conn, err := net.DialTimeout("tcp", s.SMTPAddr, sessionBudget)
	if err != nil {
		return fmt.Errorf("dial smtp: %w", err)
	}
	conn.SetDeadline(time.Now().Add(sessionBudget))
	c := smtp.NewClient(conn)
	defer c.Close()
	// go-smtp says EHLO localhost unless told otherwise.
	if err := c.Hello("client." + Domain); err != nil {
		return fmt.Errorf("greet postfix: %w", err)
	}
	if err := c.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		return fmt.Errorf("send mail from %s to %v: %w", from, to, err)
	}
	return c.Quit()
}
