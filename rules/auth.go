package rules

import (
	"slices"
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// authorize says whether m's sender may route by tag: a bureau member and,
// when require_auth is set, with an Authentication-Results header (RFC 8601)
// from a trusted authserv-id saying DKIM (aligned with the From domain) or
// DMARC passed. Only the bureau's own provider's results count: a sender can
// write any Authentication-Results it likes, under any other authserv-id.
func (s *Set) authorize(m *Message) (bool, string) {
	from := strings.ToLower(m.From)
	if from == "" || !s.members[from] {
		return false, "the sender " + quoteOr(from, "(none)") + " is not a bureau member"
	}
	switch s.bureau.RequireAuth {
	case "dkim", "dmarc":
		if why, ok := s.authenticated(m, from); !ok {
			return false, "the bureau member " + from + " is not authenticated: " + why
		}
		return true, from + " is a bureau member, authenticated by " + s.bureau.RequireAuth
	}
	return true, from + " is a bureau member"
}

func quoteOr(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}

// authenticated looks for a passing result of the required method.
func (s *Set) authenticated(m *Message, from string) (string, bool) {
	_, domain, _ := strings.Cut(from, "@")
	trusted := 0
	for _, v := range m.AuthResults {
		id, results, err := authres.Parse(v)
		if err != nil || !slices.ContainsFunc(s.bureau.TrustedAuthserv, func(t string) bool { return strings.EqualFold(t, id) }) {
			continue
		}
		trusted++
		for _, r := range results {
			if passes(r, s.bureau.RequireAuth, domain) {
				return "", true
			}
		}
	}
	if trusted == 0 {
		return "no Authentication-Results from " + strings.Join(s.bureau.TrustedAuthserv, " or "), false
	}
	return "no " + s.bureau.RequireAuth + "=pass for " + domain + " in the trusted Authentication-Results", false
}

// passes reports whether r is a pass of method for the From domain: DKIM's
// signing domain must be that domain or a parent of it (relaxed alignment,
// RFC 7489 section 3.1.1), DMARC's header.from that domain.
func passes(r authres.Result, method, domain string) bool {
	switch r := r.(type) {
	case *authres.DKIMResult:
		d := strings.ToLower(r.Domain)
		if d == "" && r.Identifier != "" {
			_, d, _ = strings.Cut(strings.ToLower(r.Identifier), "@")
		}
		// A signing domain without a dot is a top-level domain: never aligned.
		aligned := d == domain || strings.Contains(d, ".") && strings.HasSuffix(domain, "."+d)
		return method == "dkim" && r.Value == authres.ResultPass && aligned
	case *authres.DMARCResult:
		return method == "dmarc" && r.Value == authres.ResultPass && strings.EqualFold(r.From, domain)
	}
	return false
}

// SenderAuthenticated says whether m's From can be believed as the sender,
// by the bureau's require_auth setting: with dkim or dmarc, a trusted
// Authentication-Results must say it passed; without, the From is taken as
// written (and `check` warns that it can be forged).
func (s *Set) SenderAuthenticated(m *Message) (bool, string) {
	from := strings.ToLower(m.From)
	if from == "" {
		return false, "no From"
	}
	switch s.bureau.RequireAuth {
	case "dkim", "dmarc":
		if why, ok := s.authenticated(m, from); !ok {
			return false, why
		}
		return true, from + " authenticated by " + s.bureau.RequireAuth
	}
	return true, "require_auth is not set: the From is taken as written"
}
