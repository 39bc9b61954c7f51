package rules

import (
	"strings"

	"caucusgate/trust"
)

// Verdict returns what the bureau's own provider vouches for in m: its
// topmost Authentication-Results field of an authserv-id in
// bureau.trusted_authserv, or, under bureau.verify: local, the gateway's
// own DKIM verification (m.LocalDKIM). See package trust for what counts.
//
// Its questions are what other parts of the gateway ask: Author (is this
// From authenticated by a method), Vouches (does the message verifiably
// come from a domain, such as a caucus list's), DMARC (the result for a
// From domain).
func (s *Set) Verdict(m *Message) trust.Verdict {
	return s.trust.Evaluate(m.Fields, m.LocalDKIM)
}

// SenderAuthenticated says whether m's From can be believed as the sender,
// by the bureau's require_auth setting: with dkim or dmarc, the Verdict
// must say that method passed for the From's domain; without, the From is
// taken as written (and `check` warns that it can be forged). A message
// with two From, Sender or Subject fields is never authenticated.
func (s *Set) SenderAuthenticated(m *Message) (bool, string) {
	return s.senderAuthenticated(m, s.Verdict(m))
}

func (s *Set) senderAuthenticated(m *Message, v trust.Verdict) (bool, string) {
	if v.Refused != "" {
		return false, v.Refused
	}
	if m.From == "" {
		return false, "no From"
	}
	switch s.bureau.RequireAuth {
	case "dkim", "dmarc":
		return v.Author(strings.ToLower(m.From), s.bureau.RequireAuth)
	}
	return true, "require_auth is not set: the From is taken as written"
}

// authorize says whether m's sender may route by tag: a bureau member,
// authenticated as SenderAuthenticated says. The verdict is asked for only
// of a member: reading Authentication-Results is the costly part.
func (s *Set) authorize(m *Message, verdict func() trust.Verdict) (bool, string) {
	from := strings.ToLower(m.From)
	if from == "" || !s.members[from] {
		return false, "the sender " + quoteOr(from, "(none)") + " is not a bureau member"
	}
	ok, why := s.senderAuthenticated(m, verdict())
	switch {
	case !ok:
		return false, "the bureau member " + from + " is not authenticated: " + why
	case s.bureau.RequireAuth == "none":
		return true, from + " is a bureau member"
	}
	return true, from + " is a bureau member, authenticated: " + why
}

func quoteOr(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}
