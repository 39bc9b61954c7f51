package rules

import (
	"strings"
	"testing"

	"caucusgate/trust"
)

const authenticatedRules = `
caucuses:
  - id: gender
    address: g@example.org
  - id: health
    address: h@example.org
bureau:
  require_auth: dkim
  trusted_authserv: [mx.provider.net]
forwarding:
  hold_dmarc_fail: true
rules:
  - name: verified-un
    when: {from: "*@un.org", authenticated: true}
    forward: [gender]
  - name: unverified-un
    when: {from: "*@un.org", authenticated: false, subject: "(?i)invitation"}
    forward: [health]
`

func withResults(m Message, results ...string) *Message {
	for _, r := range results {
		m.Fields = append(m.Fields, trust.Field{Name: "Authentication-Results", Value: r})
	}
	m.Fields = append(m.Fields, trust.Field{Name: "From", Value: m.From})
	return &m
}

// TestAuthenticatedCondition: authenticated: true matches a From an
// aligned DKIM signature vouches for; false matches the others.
func TestAuthenticatedCondition(t *testing.T) {
	set := mustParse(t, authenticatedRules)
	for _, tc := range []struct {
		name     string
		msg      *Message
		caucuses string
	}{
		{"signed", withResults(Message{From: "a@un.org", Subject: "Invitation"}, "mx.provider.net; dkim=pass header.d=un.org"), "gender"},
		{"unsigned", withResults(Message{From: "a@un.org", Subject: "Invitation"}, "mx.provider.net; dkim=none"), "health"},
		{"forged results below", withResults(Message{From: "a@un.org", Subject: "Invitation"}, "mx.provider.net; dkim=none", "mx.provider.net; dkim=pass header.d=un.org"), "health"},
		{"two From fields", withResults(Message{From: "a@un.org", Subject: "Invitation", Fields: []trust.Field{{Name: "From", Value: "x@evil.example"}}}, "mx.provider.net; dkim=pass header.d=un.org"), "health"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := set.Decide(tc.msg, testEnv)
			if got := strings.Join(d.Caucuses, ","); got != tc.caucuses {
				t.Errorf("caucuses = %q, want %q\n%s", got, tc.caucuses, d.Trace)
			}
		})
	}
}

// TestHoldDMARCFailRule: a forward whose trusted result is dmarc=fail is
// held when the gateway found p=quarantine or p=reject.
func TestHoldDMARCFailRule(t *testing.T) {
	set := mustParse(t, authenticatedRules)
	for _, tc := range []struct {
		name, result, policy string
		want                 Action
	}{
		{"fail, reject", "dmarc=fail header.from=un.org", "reject", Hold},
		{"fail, quarantine", "dmarc=fail header.from=un.org", "quarantine", Hold},
		{"fail, none", "dmarc=fail header.from=un.org", "none", Forward},
		{"pass, reject", "dmarc=pass header.from=un.org", "reject", Forward},
		{"fail for another domain", "dmarc=fail header.from=other.org", "reject", Forward},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := withResults(Message{From: "a@un.org", Subject: "Invitation", DMARCPolicy: tc.policy}, "mx.provider.net; "+tc.result)
			if d := set.Decide(m, testEnv); d.Action != tc.want {
				t.Errorf("action = %s (%s), want %s", d.Action, d.Reason, tc.want)
			}
		})
	}
}

func TestAuthConfigDiagnostics(t *testing.T) {
	base := "caucuses:\n  - {id: g, address: g@example.org}\nbureau:\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{"authenticated without require_auth", base + "  members: [a@example.org]\nrules:\n  - {name: r, when: {authenticated: true}, forward: [g]}\n", "authenticated: needs bureau.require_auth"},
		{"local with dmarc", base + "  require_auth: dmarc\n  verify: local\n", "verify: local verifies DKIM signatures only"},
		{"unknown verify", base + "  require_auth: dkim\n  verify: remote\n", "verify must be authres"},
		{"bad pattern", base + "  require_auth: dkim\n  trusted_authserv: [\"mx[.example\"]\n", "bad authserv-id pattern"},
		{"from alone", base + "  require_auth: dkim\n  trusted_authserv: [microsoft365]\nrules:\n  - {name: r, when: {from: \"*@un.org\"}, forward: [g]}\n", `rule "r" forwards on from: alone`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Parse("rules.yaml", []byte(tc.src))
			if !strings.Contains(diags.String(), tc.want) {
				t.Errorf("diagnostics %q do not say %q", diags.String(), tc.want)
			}
		})
	}
	ok := base + "  require_auth: dkim\n  trusted_authserv: [microsoft365]\nrules:\n  - {name: r, when: {from: \"*@un.org\", authenticated: true}, forward: [g]}\n"
	if _, diags := Parse("rules.yaml", []byte(ok)); len(diags) != 0 {
		t.Errorf("a verified from: rule warns: %v", diags)
	}
}
