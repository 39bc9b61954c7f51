// Package admin serves caucusgate's admin web pages: messages held for
// moderation (approve, reject) and caucus replies held for review before
// they are relayed to an inviter (release, drop), recent decisions with
// their trace, the delivery queue (retry, cancel), schedules, caucuses
// with their bounce counts, the rules' load status, and the invitations
// tracked to their answers (close, reopen, confirm or set a deadline);
// and, open to monitoring without the login, /healthz, /readyz and
// /metrics.
//
// The pages are server-rendered html/template with one embedded style
// sheet and no JavaScript. Every page but the three open ones needs the
// admin login, HTTP Basic authentication (RFC 7617); every form is a POST
// carrying a CSRF token (see csrf.go for why an HMAC token rather than a
// cookie); every response carries security headers, a Content Security
// Policy (CSP Level 3) that allows no script at all among them.
//
// Refusing Basic authentication over plaintext off loopback is the
// caller's job when it opens the listener: the handler cannot know what
// proxies sit in front of it.
package admin
