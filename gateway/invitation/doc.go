// Package invitation follows each invitation the gateway forwards to its
// answers: it reads an invitation's deadline and event when intake takes it
// (the text from msgtext, text/calendar parts per RFC 5545, a bureau member's
// deadline tag; the finding itself is package extract), and says where each
// stands: its state, its days of notice, and per caucus whether the copies
// went out, whether it answered, which reminders it got.
//
// The store (queue) keeps the facts; this package turns them into the
// bureau's view, for the CLI, the admin page and the weekly summary.
package invitation
