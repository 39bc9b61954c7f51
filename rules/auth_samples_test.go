package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"caucusgate/trust"
)

// sampleMessage reads a real-format message of testdata/auth: its header
// fields in order, From and Subject as intake would take them.
func sampleMessage(t *testing.T, name string) *Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "auth", name))
	if err != nil {
		t.Fatal(err)
	}
	m := &Message{Header: map[string][]string{}}
	for _, f := range trust.ParseHeader(string(raw)) {
		m.Header[canonicalKey(f.Name)] = append(m.Header[canonicalKey(f.Name)], f.Value)
		switch {
		case strings.EqualFold(f.Name, "From") && m.From == "":
			m.From = addrOf(f.Value)
		case strings.EqualFold(f.Name, "Subject") && m.Subject == "":
			m.Subject, m.RawSubject = f.Value, f.Value
		}
		m.Fields = append(m.Fields, f)
	}
	return m
}

func canonicalKey(name string) string {
	parts := strings.Split(strings.ToLower(name), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}

func addrOf(v string) string {
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		v = strings.TrimSuffix(v[i+1:], ">")
	}
	return strings.ToLower(strings.TrimSpace(v))
}

const sampleRules = `
caucuses:
  - id: gender
    address: g@example.org
bureau:
  members: [ana@ngo.example, ana@un.org, bo@ngo.co.uk]
  require_auth: %s
  trusted_authserv: [%s]
`

// TestProviderSamples decides on messages as Gmail, Microsoft 365,
// Fastmail and self-hosted Dovecot with rspamd or OpenDKIM store them: a
// member's tag routes only on what the bureau's own provider wrote.
func TestProviderSamples(t *testing.T) {
	for _, tc := range []struct {
		file, method, authserv string
		route                  bool
	}{
		{"gmail-pass.eml", "dkim", "mx.google.com", true},
		{"gmail-pass.eml", "dmarc", "mx.google.com", true},
		{"gmail-pass.eml", "dkim", "mx.example.net", false},
		// the sender's own field, under Gmail's dmarc=fail, says pass
		{"gmail-forged.eml", "dmarc", "mx.google.com", false},
		{"gmail-forged.eml", "dkim", "mx.google.com", false},
		// a second Subject above the signed one carries the tag
		{"gmail-two-subjects.eml", "dkim", "mx.google.com", false},
		{"m365-pass.eml", "dkim", "microsoft365", true},
		{"m365-pass.eml", "dmarc", "microsoft365", true},
		{"m365-pass.eml", "dkim", "mx.google.com", false},
		// Fastmail's authserv-id names the MX host; d=mail.ngo.example aligns with ngo.example
		{"fastmail-pass.eml", "dkim", `"*.messagingengine.com"`, true},
		{"fastmail-pass.eml", "dmarc", `"*.messagingengine.com"`, true},
		{"fastmail-pass.eml", "dkim", "mx6.messagingengine.com", true},
		// rspamd: d=mail.un.org passes for un.org; the failing esp.example signature does not overrule it
		{"rspamd-pass.eml", "dkim", "mail.bureau.example", true},
		{"rspamd-pass.eml", "dmarc", "mail.bureau.example", true},
		// OpenDKIM: d=co.uk is a public suffix, aligned with nothing
		{"opendkim-cctld.eml", "dkim", "mail.bureau.example", false},
		{"opendkim-pass.eml", "dkim", "mail.bureau.example", true},
	} {
		t.Run(tc.file+"/"+tc.method+"/"+tc.authserv, func(t *testing.T) {
			set := mustParse(t, strings.Replace(strings.Replace(sampleRules, "%s", tc.method, 1), "%s", tc.authserv, 1))
			d := set.Decide(sampleMessage(t, tc.file), testEnv)
			if d.Trace.Tag == nil {
				t.Fatalf("no tag read: %s", d.Reason)
			}
			if (d.Action == Forward) != tc.route {
				t.Errorf("routed = %v, want %v: %s", d.Action == Forward, tc.route, d.Trace.Tag.Why)
			}
		})
	}
}
