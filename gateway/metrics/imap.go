package metrics

import (
	"slices"
	"time"
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
