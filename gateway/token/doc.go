// Package token makes and checks the short signed tokens that caucusgate puts
// in email local parts (plus-addressing, LOCAL+TOKEN@DOMAIN, RFC 5233) and in
// URLs: reply tokens in the Reply-To of forwarded copies, VERP tokens in
// envelope senders, moderation tokens in held-message notices, and one-click
// unsubscribe tokens (RFC 8058).
//
// A token is a compact binary payload (kind, id, expiry day, extra bytes)
// followed by a truncated HMAC-SHA256 (RFC 2104) over it, written in
// lower-case base32 (RFC 4648, no padding) because MTAs lower-case local
// parts and RFC 5321 limits them to 64 octets: a reply token is 26
// characters. Each kind signs with its own key derived from the master key,
// so a token of one kind never verifies as another.
package token
