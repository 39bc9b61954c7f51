package trust

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// OrgDomain returns the organizational domain of domain (RFC 7489 section
// 3.2): its public suffix and one label more, lower-cased. It returns ""
// for a public suffix itself (co.uk, github.io) and for what is no domain,
// which therefore aligns with nothing.
func OrgDomain(domain string) string {
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if d == "" || strings.ContainsAny(d, " @/\\") {
		return ""
	}
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return ""
	}
	return org
}

// Aligned reports whether two domains are aligned in DMARC's relaxed mode:
// the same organizational domain. mail.un.org and un.org are; co.uk and
// example.co.uk are not.
func Aligned(a, b string) bool {
	oa := OrgDomain(a)
	return oa != "" && oa == OrgDomain(b)
}

// domainOf returns the domain of an address or of "@domain", lower-cased.
func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		addr = addr[at+1:]
	}
	return strings.TrimSuffix(strings.ToLower(addr), ".")
}
