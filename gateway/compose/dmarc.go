package compose

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// Resolver looks up DNS TXT records; *net.Resolver is one.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// DMARCPolicy is the policy that applies to mail From a domain (RFC 7489
// 6.6.3): the domain's own record, else its organizational domain's, whose
// sp= (else p=) covers subdomains.
type DMARCPolicy struct {
	Domain string       // the domain whose record applies; "" when none does
	Policy dmarc.Policy // none, quarantine or reject; "" when no record
	// Organizational says the record is the organizational domain's.
	Organizational bool
}

// Strict says whether receivers refuse or quarantine mail that fails DMARC.
func (p DMARCPolicy) Strict() bool {
	return p.Policy == dmarc.PolicyQuarantine || p.Policy == dmarc.PolicyReject
}

// DMARC decides whether a From domain's policy requires the From rewrite
// (from_rewrite: dmarc). Results are cached for a fixed TTL: net.Resolver
// does not report the records' own TTLs. A failed lookup is cached for at
// most a minute, so that a DNS outage does not cost a lookup per message
// nor outlast itself by long.
type DMARC struct {
	resolver Resolver
	now      func() time.Time
	ttl      time.Duration

	mu    sync.Mutex
	cache map[string]dmarcEntry
}

type dmarcEntry struct {
	rewrite bool
	reason  string
	expires time.Time
}

// maxDMARCCache bounds the cache: one entry per From domain seen.
const maxDMARCCache = 10000

// NewDMARC returns a DMARC checker that caches each answer for ttl.
func NewDMARC(r Resolver, now func() time.Time, ttl time.Duration) *DMARC {
	return &DMARC{resolver: r, now: now, ttl: ttl, cache: map[string]dmarcEntry{}}
}

// NeedsRewrite reports whether mail From fromDomain must have its From
// rewritten, and why: a policy of quarantine or reject, or a lookup that
// failed (rewriting costs little; a refused copy costs the invitation).
func (d *DMARC) NeedsRewrite(ctx context.Context, fromDomain string) (bool, string) {
	domain := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(fromDomain)), ".")
	if e, ok := d.cached(domain); ok {
		return e.rewrite, e.reason
	}
	e := d.decide(ctx, domain)
	d.store(domain, e)
	return e.rewrite, e.reason
}

func (d *DMARC) decide(ctx context.Context, domain string) dmarcEntry {
	p, err := d.Policy(ctx, domain)
	now := d.now()
	switch {
	case err != nil:
		return dmarcEntry{true, "DMARC lookup failed: " + err.Error(), now.Add(min(d.ttl, time.Minute))}
	case p.Policy == "":
		return dmarcEntry{false, "no DMARC record for " + domain, now.Add(d.ttl)}
	}
	reason := fmt.Sprintf("DMARC policy %s at %s", p.Policy, p.Domain)
	return dmarcEntry{p.Strict(), reason, now.Add(d.ttl)}
}

func (d *DMARC) cached(domain string) (dmarcEntry, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.cache[domain]
	return e, ok && d.now().Before(e.expires)
}

func (d *DMARC) store(domain string, e dmarcEntry) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.cache) >= maxDMARCCache {
		d.evictExpired()
	}
	if len(d.cache) >= maxDMARCCache {
		clear(d.cache)
	}
	d.cache[domain] = e
}

func (d *DMARC) evictExpired() {
	now := d.now()
	for k, e := range d.cache {
		if !now.Before(e.expires) {
			delete(d.cache, k)
		}
	}
}

// Policy looks up the DMARC policy for mail From domain, uncached:
// _dmarc.<domain>, then, when the domain has no record, the organizational
// domain (its public suffix plus one label), whose sp= applies when present.
// emersion/go-msgauth's own Lookup stops at the first step.
func (d *DMARC) Policy(ctx context.Context, domain string) (DMARCPolicy, error) {
	rec, err := d.lookup(ctx, domain)
	if err != nil || rec != nil {
		return policyOf(domain, rec, false), err
	}
	org, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil || org == domain {
		return DMARCPolicy{}, nil
	}
	rec, err = d.lookup(ctx, org)
	return policyOf(org, rec, true), err
}

func policyOf(domain string, rec *dmarc.Record, organizational bool) DMARCPolicy {
	if rec == nil {
		return DMARCPolicy{}
	}
	p := DMARCPolicy{Domain: domain, Policy: rec.Policy, Organizational: organizational}
	if organizational && rec.SubdomainPolicy != "" {
		p.Policy = rec.SubdomainPolicy
	}
	return p
}

// lookup returns the domain's DMARC record, nil when it has none. Several
// records mean none applies (RFC 7489 6.6.3); one that does not parse is an
// error, so that the caller rewrites rather than guesses.
func (d *DMARC) lookup(ctx context.Context, domain string) (*dmarc.Record, error) {
	txts, err := d.resolver.LookupTXT(ctx, "_dmarc."+domain)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, nil
		}
		return nil, fmt.Errorf("look up _dmarc.%s: %w", domain, err)
	}
	var records []string
	for _, t := range txts {
		if strings.HasPrefix(strings.TrimSpace(t), "v=DMARC1") {
			records = append(records, t)
		}
	}
	if len(records) != 1 {
		return nil, nil
	}
	rec, err := dmarc.Parse(records[0])
	if err != nil {
		return nil, fmt.Errorf("parse _dmarc.%s: %w", domain, err)
	}
	return rec, nil
}
