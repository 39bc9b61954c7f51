package mailstack

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// sessionBudget bounds one helper's whole IMAP or SMTP session.
const sessionBudget = 30 * time.Second

// Append stores raw in user's mailbox over IMAP (APPEND as that user, who
// must be one of Options.Users), creating the mailbox if needed, with no
// flags, so that it looks like unread mail. It returns the message's UID.
func (s *Stack) Append(t testing.TB, user, mailbox string, raw []byte) uint32 {
	t.Helper()
	uid, err := s.appendMessage(user, mailbox, raw)
	if err != nil {
		t.Fatalf("mailstack: append to %s of %s: %v", mailbox, user, err)
	}
	return uid
}

// Flags returns the flags of every message in user's mailbox by UID, read
// with EXAMINE so that reading changes nothing (tests check that no \Seen
// was set).
func (s *Stack) Flags(t testing.TB, user, mailbox string) map[uint32][]string {
	t.Helper()
	flags, err := s.readFlags(user, mailbox)
	if err != nil {
		t.Fatalf("mailstack: read flags in %s of %s: %v", mailbox, user, err)
	}
	return flags
}

// login opens an IMAP session as user.
func (s *Stack) login(user string) (*imapclient.Client, error) {
	return s.loginWithin(user, sessionBudget)
}

// loginWithin opens an IMAP session as user that lasts at most budget.
func (s *Stack) loginWithin(user string, budget time.Duration) (*imapclient.Client, error) {
	conn, err := net.DialTimeout("tcp", s.IMAPAddr, sessionBudget)
	if err != nil {
		return nil, fmt.Errorf("dial imap: %w", err)
	}
	conn.SetDeadline(time.Now().Add(budget))
	c := imapclient.New(conn, nil)
	if err := c.Login(user, s.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("log in as %s (is it in Options.Users?): %w", user, err)
	}
	return c, nil
}

func (s *Stack) appendMessage(user, mailbox string, raw []byte) (uint32, error) {
	return s.appendWithin(user, mailbox, raw, sessionBudget)
}

// AppendBlocked appends raw as Append does but waits up to budget for the
// server, and reports failure instead of failing the test: for mail that
// arrives while Dovecot is frozen (FreezeIMAP), whose APPEND waits for the
// mailbox lock a frozen process holds until the thaw.
func (s *Stack) AppendBlocked(user, mailbox string, raw []byte, budget time.Duration) (uint32, error) {
	return s.appendWithin(user, mailbox, raw, budget)
}

func (s *Stack) appendWithin(user, mailbox string, raw []byte, budget time.Duration) (uint32, error) {
	c, err := s.loginWithin(user, budget)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if err := ensureMailbox(c, mailbox); err != nil {
		return 0, err
	}
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		return 0, fmt.Errorf("write message: %w", err)
	}
	if err := cmd.Close(); err != nil {
		return 0, fmt.Errorf("close append: %w", err)
	}
	data, err := cmd.Wait()
	if err != nil {
		return 0, fmt.Errorf("append: %w", err)
	}
	return uint32(data.UID), c.Logout().Wait()
}

// ensureMailbox creates mailbox unless it is INBOX or exists already.
func ensureMailbox(c *imapclient.Client, mailbox string) error {
	if strings.EqualFold(mailbox, "INBOX") {
		return nil
	}
	err := c.Create(mailbox, nil).Wait()
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeAlreadyExists {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create mailbox %s: %w", mailbox, err)
	}
	return nil
}

func (s *Stack) readFlags(user, mailbox string) (map[uint32][]string, error) {
	c, err := s.login(user)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, fmt.Errorf("examine %s: %w", mailbox, err)
	}
	out := make(map[uint32][]string)
	if sel.NumMessages == 0 {
		return out, c.Logout().Wait()
	}
	all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch flags: %w", err)
	}
	for _, m := range msgs {
		flags := make([]string, 0, len(m.Flags))
		for _, f := range m.Flags {
			flags = append(flags, string(f))
		}
		out[uint32(m.UID)] = flags
	}
	return out, c.Logout().Wait()
}
