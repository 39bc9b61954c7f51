package mailstack

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
)

// budget is the failure budget of every wait in these tests.
const budget = 30 * time.Second

func message(from, to, subject, body string) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\n"+
		"Message-ID: <%s@test.example.org>\r\nDate: Mon, 24 Nov 2025 10:00:00 +0000\r\n\r\n%s\r\n",
		from, to, subject, strings.ReplaceAll(subject, " ", "-"), body))
}

func TestSMTPLandsInDovecot(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	raw := message("chair@itu.int", "caucus-gender@example.org", "Invitation one", "Dear caucus,\r\nplease come.")
	s.SendSMTP(t, "chair@itu.int", []string{"caucus-gender@example.org", "bureau+tok1@example.org"}, raw)

	for _, user := range []string{"caucus-gender@example.org", "bureau@example.org"} {
		got := s.WaitMessages(t, user, 1, budget)
		if len(got) != 1 {
			t.Fatalf("%s got %d messages, want 1", user, len(got))
		}
		if !bytes.HasSuffix(got[0], raw[bytes.Index(raw, []byte("From:")):]) {
			t.Errorf("%s got a message that does not end with the one sent:\n%s", user, got[0])
		}
	}
	if got := s.Messages(t, "nobody@example.org"); len(got) != 0 {
		t.Errorf("nobody@example.org got %d messages, want 0", len(got))
	}
	s.WaitPostfixIdle(t, budget)
}

func TestAppendFlagsRoundTrip(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{Users: []string{"Bureau@example.org", "other@example.org"}})
	first := s.Append(t, "bureau@example.org", "INBOX", message("a@itu.int", "bureau@example.org", "First", "1"))
	second := s.Append(t, "bureau@example.org", "Archive/2025", message("a@itu.int", "bureau@example.org", "Second", "2"))
	third := s.Append(t, "bureau@example.org", "Archive/2025", message("a@itu.int", "bureau@example.org", "Third", "3"))

	if got := s.Flags(t, "bureau@example.org", "INBOX"); len(got) != 1 || hasFlag(got[first], `\Seen`) {
		t.Errorf("INBOX flags = %v, want only UID %d, without \\Seen", got, first)
	}
	markSeen(t, s, "bureau@example.org", "Archive/2025", second)
	got := s.Flags(t, "bureau@example.org", "Archive/2025")
	if len(got) != 2 || !hasFlag(got[second], `\Seen`) || hasFlag(got[third], `\Seen`) {
		t.Errorf("Archive/2025 flags = %v, want UID %d \\Seen and UID %d not", got, second, third)
	}
	if got := s.Messages(t, "bureau@example.org"); len(got) != 1 || !bytes.Contains(got[0], []byte("Subject: First")) {
		t.Errorf("INBOX Maildir holds %d messages, want the one appended to INBOX", len(got))
	}
	if got := s.Flags(t, "other@example.org", "INBOX"); len(got) != 0 {
		t.Errorf("other@example.org INBOX flags = %v, want none", got)
	}
}

func hasFlag(flags []string, flag string) bool {
	return slices.Contains(flags, flag)
}

// markSeen sets \Seen as a mail client would, to show Flags tells it apart.
func markSeen(t *testing.T, s *Stack, user, mailbox string, uid uint32) {
	t.Helper()
	c, err := imapclient.DialInsecure(s.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, s.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}
	if err := c.Store(imap.UIDSetNum(imap.UID(uid)), store, nil).Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRestartDovecotKeepsPorts(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	imapAddr, lmtpAddr := s.IMAPAddr, s.LMTPAddr
	s.Append(t, "bureau@example.org", "INBOX", message("a@itu.int", "bureau@example.org", "Before", "1"))

	s.StopDovecot(t)
	if c, err := net.Dial("tcp", imapAddr); err == nil {
		c.Close()
		t.Fatalf("IMAP still answers on %s with Dovecot stopped", imapAddr)
	}
	// Postfix accepts meanwhile and defers; StartDovecot makes it deliver.
	s.SendSMTP(t, "a@itu.int", []string{"bureau@example.org"}, message("a@itu.int", "bureau@example.org", "During", "2"))
	s.StartDovecot(t)

	if s.IMAPAddr != imapAddr || s.LMTPAddr != lmtpAddr {
		t.Errorf("addresses changed from %s, %s to %s, %s", imapAddr, lmtpAddr, s.IMAPAddr, s.LMTPAddr)
	}
	s.WaitMessages(t, "bureau@example.org", 2, budget)
	// The file is in the Maildir before LMTP has answered Postfix: stopping
	// Dovecot now would make Postfix deliver it again.
	s.WaitPostfixIdle(t, budget)
	s.RestartDovecot(t)
	if got := s.Flags(t, "bureau@example.org", "INBOX"); len(got) != 2 {
		t.Errorf("after restart INBOX has %d messages over IMAP, want 2: %v", len(got), got)
	}
	s.WaitPostfixIdle(t, budget)
}

func TestRejectRecipientsBounceToSender(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{RejectRecipients: []string{"Gone@example.org"}})
	raw := message("bureau@example.org", "gone@example.org", "Forwarded invitation", "hello")
	s.SendSMTP(t, "bureau@example.org", []string{"gone@example.org", "kept@example.org"}, raw)

	s.WaitMessages(t, "kept@example.org", 1, budget)
	dsn := s.WaitMessages(t, "bureau@example.org", 1, budget)[0]
	for _, want := range []string{"multipart/report", "report-type=delivery-status",
		"Final-Recipient: rfc822; gone@example.org", "Status: 5.1.1", "Subject: Forwarded invitation"} {
		if !bytes.Contains(dsn, []byte(want)) {
			t.Errorf("DSN lacks %q:\n%s", want, dsn)
		}
	}
	if got := s.Messages(t, "gone@example.org"); len(got) != 0 {
		t.Errorf("rejected recipient got %d messages", len(got))
	}
	s.WaitPostfixIdle(t, budget)
}

func TestRefuseRecipientsAtRcpt(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{RefuseRecipients: []string{"refused@example.org"}})
	raw := message("bureau@example.org", "refused@example.org", "Refused", "x")
	err := s.TrySendSMTP("bureau@example.org", []string{"refused@example.org"}, raw)
	var smtpErr *smtp.SMTPError
	if !errors.As(err, &smtpErr) || smtpErr.Code != 550 || smtpErr.EnhancedCode != (smtp.EnhancedCode{5, 1, 1}) {
		t.Fatalf("send to refused recipient: err = %v, want SMTP 550 5.1.1", err)
	}
	s.SendSMTP(t, "bureau@example.org", []string{"accepted@example.org"}, raw)
	s.WaitMessages(t, "accepted@example.org", 1, budget)
	s.WaitPostfixIdle(t, budget)
	if got := s.Messages(t, "bureau@example.org"); len(got) != 0 {
		t.Errorf("refusal at RCPT produced %d messages to the sender, want none", len(got))
	}
}
