// Package imapwatch keeps one IMAP mailbox under watch and hands every new
// message, in UID order and in bounded batches, to a durable Sink, then
// acknowledges it on the server only after the Sink has committed it.
//
// One Supervisor serves one (account, mailbox) pair. It connects with
// implicit TLS (imaps://) or STARTTLS (imap://, RFC 9051 section 6.2.1),
// authenticates with LOGIN, AUTHENTICATE PLAIN, or, given a TokenSource,
// XOAUTH2 or OAUTHBEARER (RFC 7628), selects the mailbox read-write, and then
// waits for mail with IDLE (RFC 2177) or by polling. Messages are read with
// BODY.PEEK[] so \Seen is never set (RFC 3501 section 6.4.5). Acknowledging a
// message means setting a keyword, moving it with MOVE (RFC 6851) or
// COPY + UID EXPUNGE (RFC 4315), and telling the Sink.
//
// The Sink's watermark, not the keyword, is the record of what was taken:
// some servers keep no custom keywords. A UIDVALIDITY change (RFC 3501
// section 2.3.1.1) starts a new epoch in which the Sink recognises messages
// it already has by fingerprint.
package imapwatch
