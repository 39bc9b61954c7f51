package queue

import (
	"strings"
	"unicode/utf8"
)

// storableText makes header-derived text storable on both stores: valid
// UTF-8 without NUL. PostgreSQL refuses both in TEXT columns (SQLSTATE
// 22021), and a message that cannot be stored would fail its intake batch
// on every retry, blocking its mailbox. These columns are only shown and
// matched against each other, so the lossy replacement (U+FFFD) is
// harmless; the raw bytes are stored untouched as bytes.
func storableText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// storable returns m with every text field made storable. It is applied
// before any look-up, so a message is matched by the same text it is
// stored under.
func (m Incoming) storable() Incoming {
	m.MessageID = storableText(m.MessageID)
	m.Fingerprint = storableText(m.Fingerprint)
	m.FallbackFingerprint = storableText(m.FallbackFingerprint)
	m.Reason = storableText(m.Reason)
	m.Subject = storableText(m.Subject)
	m.From = storableText(m.From)
	m.RelayThread = storableText(m.RelayThread)
	if m.Hold != nil {
		h := *m.Hold
		h.Reason = storableText(h.Reason)
		m.Hold = &h
	}
	if m.Invitation != nil {
		inv := *m.Invitation
		inv.Inviter = storableText(inv.Inviter)
		inv.Subject = storableText(inv.Subject)
		m.Invitation = &inv
	}
	return m
}

// StorableText is the text a message's header is stored under. A caller
// that looks the store up by such text (a Message-ID, an address) passes
// it through here first: PostgreSQL refuses invalid UTF-8 and NUL even as
// a query parameter, and the look-up must match what was stored.
func StorableText(s string) string { return storableText(s) }
