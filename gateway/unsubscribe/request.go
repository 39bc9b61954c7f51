package unsubscribe

import "strings"

// RequestedCaucus reads the subject of a mail that the mailto: link of
// Links made: "unsubscribe CAUCUS", the keyword in any case. subject is the
// decoded Subject (RFC 2047 already undone). It reports false for
// anything else, replies and forwards included: a person discussing an
// unsubscription is not asking for one.
//
// The mail comes to the bureau mailbox; acting on it is the caller's job,
// and so is deciding whom to believe: the link names no member, so the
// member is the message's From, which anyone can forge unless the
// provider's Authentication-Results vouch for it.
func RequestedCaucus(subject string) (string, bool) {
	const keyword = "unsubscribe"
	s := strings.TrimSpace(subject)
	if len(s) <= len(keyword) || !strings.EqualFold(s[:len(keyword)], keyword) {
		return "", false
	}
	rest := s[len(keyword):]
	caucus := strings.TrimLeft(rest, " \t")
	if len(caucus) == len(rest) || caucus == "" || strings.ContainsAny(caucus, " \t\r\n") {
		return "", false
	}
	return caucus, true
}
