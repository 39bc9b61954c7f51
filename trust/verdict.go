package trust

import (
	"fmt"
	"strings"
)

// Verdict is what the trusted results say about one message. The zero
// Verdict authenticates nothing.
type Verdict struct {
	// Source says where the results come from ("Authentication-Results of
	// mx.google.com", "local DKIM verification"); "" when none were found.
	Source string
	// Missing says why no trusted results were found, when Source is "".
	Missing string
	// Refused, when set, says why the message is authenticated for nothing
	// whatever its results say (two From fields, say).
	Refused string
	// Signatures are the DKIM results, one a signature.
	Signatures []Signature
	// DMARCResults and SPFResults are the DMARC and SPF results.
	DMARCResults []DMARCResult
	SPFResults   []SPFResult
}

// Signature is the result of one DKIM signature (RFC 6376).
type Signature struct {
	Domain string // the signing domain (d=), lower-cased
	Result string // pass, fail, neutral, temperror, permerror, ...
}

// DMARCResult is a DMARC result (RFC 7489) for the From domain it names.
type DMARCResult struct {
	From   string // header.from, lower-cased
	Result string
}

// SPFResult is an SPF result (RFC 7208) for an envelope sender's domain.
type SPFResult struct {
	MailFrom string // the domain of smtp.mailfrom, lower-cased
	Result   string
}

// Evaluate reads the trusted results of a message from its header fields,
// top first. local is what [Verify] found, used when p.Local is set.
func (p Policy) Evaluate(fields []Field, local []Signature) Verdict {
	v := Verdict{Refused: duplicated(fields)}
	if p.Local {
		v.Source, v.Signatures = "local DKIM verification", local
		return v
	}
	block, why := p.block(fields)
	if why != "" {
		v.Missing = why
		return v
	}
	v.Source = "Authentication-Results of " + sourceName(block.Authserv)
	v.add(block.Results)
	return v
}

func sourceName(id string) string {
	if id == "" {
		return "Microsoft 365 (no authserv-id)"
	}
	return id
}

func (v *Verdict) add(results []Result) {
	for _, r := range results {
		switch r.Method {
		case "dkim":
			d := r.Props["header.d"]
			if d == "" {
				d = r.Props["header.i"]
			}
			v.Signatures = append(v.Signatures, Signature{Domain: domainOf(d), Result: r.Value})
		case "dmarc":
			v.DMARCResults = append(v.DMARCResults, DMARCResult{From: domainOf(r.Props["header.from"]), Result: r.Value})
		case "spf":
			v.SPFResults = append(v.SPFResults, SPFResult{MailFrom: domainOf(r.Props["smtp.mailfrom"]), Result: r.Value})
		}
	}
}

// usable says why the verdict can vouch for nothing, or "".
func (v Verdict) usable() string {
	switch {
	case v.Refused != "":
		return v.Refused
	case v.Source == "":
		return or(v.Missing, "no trusted results")
	}
	return ""
}

// DKIM reports whether a DKIM signature aligned with domain (the same
// organizational domain) passed. Failing signatures of other domains do
// not count against it.
func (v Verdict) DKIM(domain string) (bool, string) {
	if why := v.usable(); why != "" {
		return false, why
	}
	for _, s := range v.Signatures {
		if s.Result == "pass" && Aligned(s.Domain, domain) {
			return true, fmt.Sprintf("dkim=pass for %s (%s)", s.Domain, v.Source)
		}
	}
	return false, fmt.Sprintf("no dkim=pass aligned with %s in the %s%s", domain, v.Source, v.listDKIM())
}

func (v Verdict) listDKIM() string {
	if len(v.Signatures) == 0 {
		return ": no signature"
	}
	var parts []string
	for _, s := range v.Signatures {
		parts = append(parts, "dkim="+s.Result+" for "+or(s.Domain, "no domain"))
	}
	return ": " + strings.Join(parts, ", ")
}

// SPF reports whether SPF passed for an envelope sender aligned with
// domain. SPF vouches for the envelope, not for the From.
func (v Verdict) SPF(domain string) (bool, string) {
	if why := v.usable(); why != "" {
		return false, why
	}
	for _, r := range v.SPFResults {
		if r.Result == "pass" && Aligned(r.MailFrom, domain) {
			return true, fmt.Sprintf("spf=pass for smtp.mailfrom %s (%s)", r.MailFrom, v.Source)
		}
	}
	return false, fmt.Sprintf("no spf=pass for an envelope sender in %s in the %s", domain, v.Source)
}

// DMARC returns the DMARC result the trusted results give for mail From
// domain ("" when they give none). When they give several, any that is
// not pass wins.
func (v Verdict) DMARC(domain string) string {
	if v.usable() != "" {
		return ""
	}
	domain = domainOf(domain)
	result := ""
	for _, r := range v.DMARCResults {
		if r.From != domain {
			continue
		}
		if result == "" || result == "pass" {
			result = r.Result
		}
	}
	return result
}

// Vouches reports whether the message verifiably comes from domain: a
// DKIM signature aligned with it passed, or SPF passed for an envelope
// sender in it. Use it for mail from a list, whose From is its poster's.
func (v Verdict) Vouches(domain string) (bool, string) {
	if ok, why := v.DKIM(domain); ok || v.usable() != "" {
		return ok, why
	}
	if ok, why := v.SPF(domain); ok {
		return true, why
	}
	return false, fmt.Sprintf("neither dkim=pass nor spf=pass for %s in the %s", domain, v.Source)
}

// Author reports whether the From address from is authenticated by method
// ("dkim": an aligned signature passed; "dmarc": DMARC passed for its
// domain), and why.
func (v Verdict) Author(from, method string) (bool, string) {
	domain := domainOf(from)
	if domain == "" || !strings.Contains(from, "@") {
		return false, "no From address"
	}
	switch method {
	case "dkim":
		return v.DKIM(domain)
	case "dmarc":
		if why := v.usable(); why != "" {
			return false, why
		}
		if r := v.DMARC(domain); r != "pass" {
			return false, fmt.Sprintf("dmarc=%s for %s in the %s", or(r, "(none)"), domain, v.Source)
		}
		return true, fmt.Sprintf("dmarc=pass for %s (%s)", domain, v.Source)
	}
	return false, fmt.Sprintf("unknown authentication method %q", method)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
