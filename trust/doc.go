// Package trust decides what a message's header proves about its sender:
// which domains an aligned DKIM signature vouches for, what DMARC said, and
// which envelope domain passed SPF, as written by the bureau's own mail
// provider and by nobody else. It reads Authentication-Results fields
// (RFC 8601), including Microsoft 365's form without an authserv-id, and can
// verify DKIM signatures itself (RFC 6376) for mail servers that write no
// results. Alignment is by organizational domain (RFC 7489 section 3.2, the
// Public Suffix List).
//
// # Whose results count
//
// Only the topmost Authentication-Results field whose authserv-id is
// trusted counts ([Policy.Authserv]). Walking down from the top of the
// header, trace fields that receiving servers prepend (Received,
// Return-Path, Delivered-To, X-Received, Received-SPF, ARC-*, and the
// filter fields of the providers this package knows) and Authentication-
// Results fields of other authserv-ids are passed over; the first trusted
// field is the provider's. A field that is neither a trace field nor an
// Authentication-Results field ends the search: whatever is below it was
// written by the sender, who can write any Authentication-Results it likes.
// ARC-Authentication-Results never counts.
//
// Trusted fields below the topmost never count, even directly under it:
// Gmail writes its field last, right above the sender's header, so a
// sender's forged field with Gmail's id would sit right under Gmail's, and
// nothing tells the two apart. Every provider this package is tested with
// writes all its results in one field (Gmail, Microsoft 365, Fastmail,
// rspamd, OpenDKIM); a server running OpenDKIM and OpenDMARC as two milters
// writes two, and only the topmost, OpenDMARC's, counts there.
//
// This holds only when the provider writes its Authentication-Results on
// every message it receives: otherwise a sender's forged field, under
// forged Received fields, would be the topmost. Every hosted provider does;
// a self-hosted server must run a filter that does (rspamd, OpenDKIM), or
// let this package verify DKIM itself ([Verify]).
//
// # What the results say
//
// Results are per DKIM signature: an aligned pass counts, and a failing
// signature of another domain does not overrule it. DMARC's result is taken
// as the trusted block wrote it. A message with more than one From, Sender
// or Subject field (RFC 5322 section 3.6 allows one) is authenticated for
// nothing: a signature covers one of them, a reader may show the other.
//
// The entry points are [Policy.Evaluate], which returns a [Verdict], and the
// verdict's questions: [Verdict.Author] (is the From's address authenticated
// by the bureau's require_auth method), [Verdict.Vouches] (does the message
// verifiably come from a domain: an aligned DKIM pass, or SPF pass for an
// envelope sender in it), [Verdict.DKIM], [Verdict.SPF] and [Verdict.DMARC].
package trust
