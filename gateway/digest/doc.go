// Package digest composes the mail that relays caucus replies to whoever
// sent an invitation: a plain relay for one reply, a multipart/digest
// (RFC 2046 section 5.1.5) for several. It writes to an io.Writer and does
// nothing else: no clock, no I/O beyond the writer.
//
// Both kinds of mail are addressed and threaded the same way: From is the
// gateway's own address with a display name saying who answered ("Name via
// Caucus", as forwarded copies are rewritten), Reply-To is the token the
// caller gives (the gateway's address naming the invitation and the caucus),
// so the inviter's answer comes back through the gateway to the caucus, and
// In-Reply-To and References name the
// invitation (RFC 5322 section 3.6.4), so the inviter's client files the
// answers under it. Neither carries List-Id or Precedence: this is an
// answer to one person, not list traffic. The Message-ID is fixed by
// (schedule, slot, destination) ([MessageID]), so a repeat after a crash
// between the relay's acceptance and the store's record of it folds into
// the first copy in the inviter's client.
//
// A digest opens with a text/plain summary that quotes every reply inline,
// for clients that show message/rfc822 parts only as attachments (Outlook
// maps the first text part to the body), followed by every reply intact as
// message/rfc822. [StripQuotes] removes the quoted invitation from the
// text shown; the attached originals are never altered.
//
// Every header value built from names and subjects is cleaned of control
// characters and RFC 2047-encoded when it is not ASCII, so no CR or LF in a
// caucus name, a display name or a subject can add a header field.
package digest
