// Package compose writes the copy of a bureau message that caucusgate sends to
// a caucus, the way a careful list server does: in resend mode the original
// body's bytes with a rewritten header (RFC 5322), in encapsulate mode a short
// cover note with the original attached intact as message/rfc822 (RFC 2046
// 5.2.1), in redirect mode the original with Resent-* fields prepended
// (RFC 5322 3.6.6).
//
// The header it adds names the list (List-Id, RFC 2919; List-Post, List-Help,
// List-Unsubscribe, RFC 2369; List-Unsubscribe-Post, RFC 8058), marks the copy
// against loops and auto-replies (X-Loop, Precedence, X-Auto-Response-Suppress),
// encodes a non-ASCII subject as RFC 2047 encoded words that never split a
// character, and rewrites From for DMARC (RFC 7489) when asked. DMARC decides
// whether a From domain needs that rewrite; DKIMSigner signs the result
// (RFC 6376).
//
// No copy carries a bare CR, bare LF or NUL into SMTP DATA (RFC 5321 2.3.8,
// RFC 5322 2.3; the SMTP smuggling sequences of 2023 are made of them).
// CheckWire says, at intake, whether a message's copies need its leaf
// parts re-encoded (resend mode only, RFC 2045 6.4: multipart and message/*
// parts cannot be, RFC 2046 5.2.1) or cannot be sent at all; Write refuses
// any stray byte as it streams.
//
// Composition streams: memory is bounded by the size of the original header
// block, whatever the size of the body. Mail from the real world is read
// leniently; what cannot be composed safely is an error wrapping ErrMalformed,
// which the gateway turns into a hold with the error as its reason.
package compose
