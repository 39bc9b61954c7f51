package metrics

import "slices"

// decisions are the values of the decision label: the rules' decision words
// (CONTRACT.md), and "other" for a word this list does not know, so that a
// new decision shows up as a count rather than as a new, unbounded label.
var decisions = [...]string{"forward", "hold", "reject", "discard", "reply", "none", "other"}

// MessageFetched counts one message fetched from account's mailbox.
func (m *Metrics) MessageFetched(account, mailbox string) {
	m.fetched.WithLabelValues(account, mailbox).Inc()
}

// Decided counts one message the rules decided; decision is the decision
// word (rules.Action's String).
func (m *Metrics) Decided(decision string) {
	if !slices.Contains(decisions[:], decision) {
		decision = "other"
	}
	m.decided.WithLabelValues(decision).Inc()
}
