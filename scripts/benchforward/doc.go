// Package benchforward measures forwarding throughput through real Dovecot
// and Postfix (internal/mailstack): the same generated invitations are taken
// from the bureau mailbox over IMAP (RFC 9051) and forwarded over SMTP
// (RFC 5321) to a caucus address, once by fetchmail as the baseline and once
// by caucusgate. It is run by scripts/bench-forward, and skips otherwise.
package benchforward
