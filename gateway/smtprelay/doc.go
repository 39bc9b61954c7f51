// Package smtprelay submits composed messages to one SMTP relay: it keeps a
// bounded pool of reusable sessions, authenticates, paces sending to the
// relay's rate and daily limits, and classifies every failure so that the
// queue knows whether to retry, how, and for which recipients.
//
// It implements the client side of RFC 5321 (SMTP), RFC 3207 (STARTTLS),
// RFC 8314 (implicit TLS, smtps://), RFC 4954 (AUTH, with PLAIN and Google's
// and Microsoft's XOAUTH2), and reads RFC 3463 enhanced status codes as
// announced by RFC 2034.
//
// go-smtp takes no context: a Send whose context ends closes its connection,
// which unblocks whatever command was in flight.
package smtprelay
