package mailstack

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// ResetUIDValidity makes Dovecot give user's INBOX a new UIDVALIDITY and
// number its messages afresh, as a server whose index was rebuilt or whose
// mailbox was restored does: Dovecot is stopped, the Maildir's UID list
// and indexes are removed (the messages stay), and Dovecot is started
// again. It returns the UIDVALIDITY before and after.
func (s *Stack) ResetUIDValidity(t testing.TB, user string) (before, after uint32) {
	t.Helper()
	before = s.UIDValidity(t, user, "INBOX")
	s.StopDovecot(t)
	dir := filepath.Join(s.Dir, "mail", maildirUser(user), "Maildir")
	for _, name := range []string{"dovecot-uidlist", "dovecot.index", "dovecot.index.log", "dovecot.index.cache", "dovecot.index.log.2"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
			t.Fatalf("mailstack: reset uidvalidity: %v", err)
		}
	}
	s.StartDovecot(t)
	after = s.UIDValidity(t, user, "INBOX")
	if after == before {
		t.Fatalf("mailstack: reset uidvalidity: still %d", before)
	}
	return before, after
}

// UIDValidity returns the UIDVALIDITY of user's mailbox, read with EXAMINE.
func (s *Stack) UIDValidity(t testing.TB, user, mailbox string) uint32 {
	t.Helper()
	c, err := s.login(user)
	if err != nil {
		t.Fatalf("mailstack: %v", err)
	}
	defer c.Close()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("mailstack: examine %s of %s: %v", mailbox, user, err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatalf("mailstack: logout: %v", err)
	}
	return sel.UIDValidity
}
