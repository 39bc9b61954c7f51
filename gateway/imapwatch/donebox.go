package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// ErrNoDoneMailbox says Config.DoneMailbox does not exist and lies outside
// the server's personal namespace, so creating it would fail too: Cyrus
// with Debian's settings wants "INBOX.Processed" for "Processed".
var ErrNoDoneMailbox = errors.New("done_mailbox does not exist")

// CheckDoneMailbox logs in and looks cfg.DoneMailbox up with LIST (RFC 9051
// section 6.3.9), changing nothing. It returns nil when the mailbox exists,
// or when it is absent but may be created at the first acknowledgement.
// `caucusgate check -online` runs it; the daemon does the same at start.
func CheckDoneMailbox(ctx context.Context, cfg Config) error {
	cfg.withDefaults()
	if cfg.DoneMailbox == "" {
		return nil
	}
	if err := cfg.validateReader(); err != nil {
		return fmt.Errorf("configure IMAP check of %s: %w", cfg.Account, err)
	}
	s := &Supervisor{cfg: cfg, log: cfg.Logger.With("account", cfg.Account)}
	cn, err := s.login(ctx)
	if err != nil {
		return err
	}
	defer cn.close()
	return (&session{s: s, cn: cn, log: s.log}).checkDone()
}

// checkDone finds the done mailbox with LIST. An absent one is created on
// the server's TRYCREATE; unless its name is outside the personal
// namespace, which the server will refuse.
func (ss *session) checkDone() error {
	dest := ss.s.cfg.DoneMailbox
	found, err := ss.cn.c.List("", dest, nil).Collect()
	if err != nil {
		return fmt.Errorf("list done mailbox %q: %w", dest, err)
	}
	if slices.ContainsFunc(found, func(d *imap.ListData) bool {
		return d.Mailbox == dest && !slices.Contains(d.Attrs, imap.MailboxAttrNoSelect)
	}) {
		return nil
	}
	prefix := ss.personalPrefix()
	if prefix != "" && !strings.HasPrefix(strings.ToUpper(dest), strings.ToUpper(prefix)) {
		return fmt.Errorf("%w: %q; the server's personal namespace is %q: did you mean %q?",
			ErrNoDoneMailbox, dest, prefix, prefix+dest)
	}
	ss.log.Info("the done mailbox does not exist yet; it is created at the first acknowledgement", "done_mailbox", dest)
	return nil
}

// personalPrefix is the personal namespace's prefix (RFC 2342), "" when
// the server has no NAMESPACE or its personal mailboxes are at the root.
func (ss *session) personalPrefix() string {
	caps := ss.cn.c.Caps()
	if !caps.Has(imap.CapNamespace) && !caps.Has(imap.CapIMAP4rev2) {
		return ""
	}
	ns, err := ss.cn.c.Namespace().Wait()
	if err != nil || len(ns.Personal) == 0 {
		return ""
	}
	return ns.Personal[0].Prefix
}
