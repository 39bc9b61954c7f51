// Package unsubscribe lets a roster member leave a caucus: it makes the
// List-Unsubscribe URIs of each member's copy (RFC 2369: a mailto: URI,
// RFC 6068, and an https: URI carrying a signed token) and serves the
// https: one, RFC 8058 one-click unsubscribe, on the daemon's public
// listener.
//
// A mail provider unsubscribes with a POST of List-Unsubscribe=One-Click to
// the link, without cookies or script (RFC 8058 section 3.2); a person who
// opens the link gets a page with an Unsubscribe button that makes the same
// POST. A GET never unsubscribes, because link scanners fetch every URL in
// a message. The token is the only credential: it is signed (package
// token, kind Unsubscribe), and expires a year after the copy was sent
// (Config.TokenTTL): old mail keeps working links, as RFC 8058 wants, but a
// leaked link does not act forever. Anything that does not open is a 404 that does not
// say why, so the endpoint is no oracle.
//
// The unsubscription goes to a Store (queue.Store in the daemon), which
// applies it over the roster in the rules file.
package unsubscribe
