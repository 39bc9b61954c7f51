package compose

import (
	"context"
	"strings"
	"testing"
	"time"
)

func dmarcRecords() map[string][]string {
	return map[string][]string{
		"_dmarc.itu.int":            {"v=DMARC1; p=reject; rua=mailto:dmarc@itu.int"},
		"_dmarc.quarantine.example": {"v=DMARC1; p=quarantine; pct=50"},
		"_dmarc.relaxed.example":    {"v=DMARC1; p=none"},
		"_dmarc.orgsp.example":      {"v=DMARC1; p=none; sp=reject"},
		"_dmarc.orgp.example":       {"v=DMARC1; p=quarantine"},
		"_dmarc.example.co.uk":      {"v=DMARC1; p=reject"},
		"_dmarc.bad.example":        {"v=DMARC1; p=bogus"},
		"_dmarc.two.example":        {"v=DMARC1; p=reject", "v=DMARC1; p=none"},
		"_dmarc.spf.example":        {"v=spf1 -all"},
		"_dmarc.own.orgsp.example":  {"v=DMARC1; p=none"},
	}
}

func TestDMARCNeedsRewrite(t *testing.T) {
	dns := startDNS(t, dmarcRecords(), "_dmarc.broken.example")
	d := NewDMARC(dns.resolver(), time.Now, time.Hour)
	tests := []struct {
		domain  string
		rewrite bool
		reason  string
	}{
		{"itu.int", true, "reject at itu.int"},
		{"ITU.INT.", true, "reject at itu.int"},
		{"quarantine.example", true, "quarantine"},
		{"relaxed.example", false, "policy none"},
		{"mail.orgsp.example", true, "reject at orgsp.example"}, // sp= of the organizational domain
		{"orgsp.example", false, "policy none"},                 // sp= is for subdomains only
		{"own.orgsp.example", false, "none at own.orgsp.example"},
		{"lists.orgp.example", true, "quarantine at orgp.example"},
		{"mail.example.co.uk", true, "reject at example.co.uk"}, // a two-label public suffix
		{"nodmarc.example", false, "no DMARC record"},
		{"spf.example", false, "no DMARC record"},
		{"two.example", false, "no DMARC record"}, // RFC 7489 6.6.3: several records, none applies
		{"bad.example", true, "lookup failed"},
		{"broken.example", true, "lookup failed"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			rewrite, reason := d.NeedsRewrite(context.Background(), tt.domain)
			if rewrite != tt.rewrite || !strings.Contains(reason, tt.reason) {
				t.Errorf("NeedsRewrite(%q) = %v, %q; want %v, reason containing %q", tt.domain, rewrite, reason, tt.rewrite, tt.reason)
			}
		})
	}
}

func TestDMARCCache(t *testing.T) {
	dns := startDNS(t, dmarcRecords(), "_dmarc.broken.example")
	now := time.Date(2025, 10, 14, 9, 0, 0, 0, time.UTC)
	d := NewDMARC(dns.resolver(), func() time.Time { return now }, time.Hour)
	ctx := context.Background()
	steps := []struct {
		advance time.Duration
		domain  string
		asks    bool // whether the step must reach the DNS server
	}{
		{0, "itu.int", true},
		{59 * time.Minute, "itu.int", false}, // cached
		{time.Minute, "itu.int", true},       // expired at the TTL
		{0, "broken.example", true},
		{30 * time.Second, "broken.example", false}, // a failure is cached for a minute
		{30 * time.Second, "broken.example", true},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		before := dns.count("_dmarc." + s.domain)
		d.NeedsRewrite(ctx, s.domain)
		if asked := dns.count("_dmarc."+s.domain) > before; asked != s.asks {
			t.Fatalf("step %d (%s): reached the server = %v, want %v", i, s.domain, asked, s.asks)
		}
	}
}
