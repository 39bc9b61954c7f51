package metrics

import (
	"errors"
	"time"

	"caucusgate/gateway/imapwatch"
)

// Mailbox returns an imapwatch.Observer that records account's mailbox's
// supervisor in the metrics: its state, its last sync, its reconnects. The
// mailbox's counters exist at zero from then on.
func (m *Metrics) Mailbox(account, mailbox string) imapwatch.Observer {
	m.MailboxConfigured(account, mailbox)
	return mailboxObserver{m: m, account: account, mailbox: mailbox}
}

type mailboxObserver struct {
	m                *Metrics
	account, mailbox string
}

func (o mailboxObserver) State(s imapwatch.State) { o.m.IMAPState(o.account, o.mailbox, s.String()) }

func (o mailboxObserver) Synced(at time.Time) { o.m.IMAPSynced(o.account, o.mailbox, at) }

// Reconnect counts network failures only: the supervisor reports an
// authentication failure through AuthFailed as well (and, in SyncOnce,
// only there), so counting it here would count it twice in Run.
func (o mailboxObserver) Reconnect(err error) {
	if errors.Is(err, imapwatch.ErrAuth) {
		return
	}
	if errors.Is(err, imapwatch.ErrStalled) {
		o.m.IMAPStall(o.account, o.mailbox)
	}
	o.m.Reconnect(o.account, o.mailbox, ReasonNetwork)
}

func (o mailboxObserver) AuthFailed(error) { o.m.Reconnect(o.account, o.mailbox, ReasonAuth) }
