// Package msgtext extracts the readable text of an Internet message: what a
// moderator previews before deciding, and what the invitation reader searches
// for deadlines. It is the one place that turns MIME (RFC 2045, RFC 2046)
// into text.
//
// The text is the message's text/plain part, or text extracted from its HTML
// part when it has no plain text (never the HTML itself), decoded from its
// transfer encoding and charset to UTF-8. A forwarded message (message/rfc822,
// RFC 2046 section 5.2.1) contributes its own text under a short header.
// Every other part is listed as an attachment with its decoded size.
//
// Extraction never fails: malformed MIME yields what can be read, and the
// Problems field says what could not. Input is hostile; the walk is bounded
// in depth and parts, and the text in characters.
package msgtext
