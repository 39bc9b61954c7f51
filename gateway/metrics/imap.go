package metrics

import (
	"slices"
	"time"

	"caucusgate/gateway/imapwatch"

	"github.com/prometheus/client_golang/prometheus"
)

// imapStates are the values of the state label, the names of
// imapwatch.State, plus "unknown" for a name this list does not know.
var imapStates = [...]string{"connecting", "syncing", "idle", "polling", "backoff", "stopped", "unknown"}

// IMAPState records that account's mailbox is now in state (an
// imapwatch.State's String): its series for state goes to 1, and those of
// every other state to 0, so `caucusgate_imap_state{state="idle"} == 1`
// selects the mailboxes in IDLE whatever they were before.
func (m *Metrics) IMAPState(account, mailbox, state string) {
	if !slices.Contains(imapStates[:], state) {
		state = "unknown"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range imapStates {
		v := 0.0
		if s == state {
			v = 1
		}
		m.imapState.WithLabelValues(account, mailbox, s).Set(v)
	}
}

// IMAPSynced records when everything in account's mailbox was last
// accepted and acknowledged; alert on time() minus it.
func (m *Metrics) IMAPSynced(account, mailbox string, at time.Time) {
	m.imapSynced.WithLabelValues(account, mailbox).Set(float64(at.UnixNano()) / 1e9)
}

// ReconnectReason says why an IMAP connection was lost or refused.
type ReconnectReason string

// The reconnect reasons: an authentication failure needs an admin, a
// network failure usually heals itself.
const (
	ReasonNetwork ReconnectReason = "network"
	ReasonAuth    ReconnectReason = "auth"
)

// Reconnect counts one lost or refused connection to account's mailbox.
func (m *Metrics) Reconnect(account, mailbox string, reason ReconnectReason) {
	if reason != ReasonAuth {
		reason = ReasonNetwork
	}
	m.reconnects.WithLabelValues(account, mailbox, string(reason)).Inc()
}

// imapFaults are the IMAP fault series: acknowledgements the server
// refused, and commands the watchdog gave up on.
type imapFaults struct {
	ackBacklog *prometheus.GaugeVec
	ackSince   *prometheus.GaugeVec
	stalls     *prometheus.CounterVec
}

func newIMAPFaults(reg prometheus.Registerer) *imapFaults {
	f := &imapFaults{
		ackBacklog: gaugeVec("imap_ack_backlog", "Messages committed but not yet acknowledged on the IMAP server (keyword, move to the done mailbox): the server refuses, and they are retried.", "account", "mailbox"),
		ackSince:   gaugeVec("imap_ack_refused_since_timestamp_seconds", "Unix time since which the server refuses acknowledgements; 0 when there is no backlog.", "account", "mailbox"),
		stalls:     counterVec("imap_stalls_total", "IMAP connections closed by the watchdog: a command outstanding with no byte received for the stall timeout.", "account", "mailbox"),
	}
	reg.MustRegister(f.ackBacklog, f.ackSince, f.stalls)
	return f
}

// IMAPAckBacklog records account's mailbox's acknowledgement backlog.
func (m *Metrics) IMAPAckBacklog(account, mailbox string, b imapwatch.AckBacklog) {
	since := 0.0
	if b.Count > 0 {
		since = float64(b.Since.UnixNano()) / 1e9
	}
	m.faults.ackBacklog.WithLabelValues(account, mailbox).Set(float64(b.Count))
	m.faults.ackSince.WithLabelValues(account, mailbox).Set(since)
}

// IMAPStall counts one connection to account's mailbox closed by the
// watchdog.
func (m *Metrics) IMAPStall(account, mailbox string) {
	m.faults.stalls.WithLabelValues(account, mailbox).Inc()
}

// AckBacklog makes the mailbox observer an imapwatch.AckObserver.
func (o mailboxObserver) AckBacklog(b imapwatch.AckBacklog) {
	o.m.IMAPAckBacklog(o.account, o.mailbox, b)
}

// MailboxConfigured creates the series of account's mailbox at zero, from
// the start: fetched, reconnects by reason, stalls, and an empty
// acknowledgement backlog. A counter that first appears at 1 hides its
// first increase from rate() and increase().
func (m *Metrics) MailboxConfigured(account, mailbox string) {
	m.fetched.WithLabelValues(account, mailbox)
	m.faults.stalls.WithLabelValues(account, mailbox)
	m.faults.ackBacklog.WithLabelValues(account, mailbox)
	m.faults.ackSince.WithLabelValues(account, mailbox)
	m.reconnects.WithLabelValues(account, mailbox, string(ReasonNetwork))
	m.reconnects.WithLabelValues(account, mailbox, string(ReasonAuth))
}
