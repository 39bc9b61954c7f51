// Package gateway is the caucusgate daemon: it watches the bureau's IMAP
// mailboxes, turns each message into a decision by the rules, records
// message, decision and delivery jobs in the store in one transaction, and
// delivers the composed copies through the SMTP relay.
//
// It is the only package that speaks mail protocols and formats (IMAP, SMTP,
// RFC 5322 and MIME, through go-imap, go-smtp and go-message); the rules
// package decides and the queue package remembers. The protocol clients live
// in the sub-packages imapwatch (one supervisor per mailbox) and smtprelay
// (the relay's sessions, limits and reply classification).
//
// A forwarded copy is composed the way a list server composes one: RFC 2919
// List-Id, RFC 2369 List-* fields, X-Loop, and the original Message-ID kept,
// with the body's bytes untouched.
package gateway
