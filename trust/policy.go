package trust

import (
	"fmt"
	"path"
	"strings"
)

// Microsoft365 is the trusted_authserv entry for Microsoft 365 (Exchange
// Online), whose Authentication-Results fields carry no authserv-id.
const Microsoft365 = "microsoft365"

// Policy is whose results the bureau trusts.
type Policy struct {
	// Authserv lists the authserv-ids of the bureau's own mail provider:
	// exact ids ("mx.google.com"), patterns with * ("*.messagingengine.com",
	// path.Match syntax, case ignored), or Microsoft365.
	Authserv []string
	// Local takes DKIM results from the gateway's own verification
	// ([Verify]) instead of from Authentication-Results, for servers that
	// write none.
	Local bool
}

// CheckPattern reports what is wrong with a trusted_authserv entry, if
// anything.
func CheckPattern(p string) error {
	if strings.TrimSpace(p) == "" {
		return fmt.Errorf("empty authserv-id")
	}
	if _, err := path.Match(strings.ToLower(p), ""); err != nil {
		return fmt.Errorf("bad authserv-id pattern %q: %w", p, err)
	}
	if strings.ContainsAny(p, " \t;") {
		return fmt.Errorf("bad authserv-id %q: one host name or pattern, without blanks or semicolons", p)
	}
	return nil
}

// trusts reports whether a field of authserv-id id (lower-cased, "" for
// none) is the bureau's provider's.
func (p Policy) trusts(id string) bool {
	for _, pat := range p.Authserv {
		pat = strings.ToLower(strings.TrimSpace(pat))
		if pat == Microsoft365 {
			if id == "" {
				return true
			}
			continue
		}
		if id == "" {
			continue
		}
		if ok, _ := path.Match(pat, id); ok || pat == id {
			return true
		}
	}
	return false
}

// describe names the trusted ids, for reasons.
func (p Policy) describe() string {
	if len(p.Authserv) == 0 {
		return "no trusted authserv-id"
	}
	return strings.Join(p.Authserv, " or ")
}
