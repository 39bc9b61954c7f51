package gateway

import (
	"os"
	"path/filepath"
	"testing"

	"caucusgate/rules"
)

// TestInboundAuthentication reads real-format messages as intake does and
// asks whether their From is authenticated: only the provider's topmost
// Authentication-Results counts, not every one the message carries.
func TestInboundAuthentication(t *testing.T) {
	for _, tc := range []struct {
		file, trusted string
		want          bool
	}{
		{"gmail-pass.eml", "mx.google.com", true},
		{"gmail-forged.eml", "mx.google.com", false},
		{"gmail-two-subjects.eml", "mx.google.com", false},
		{"m365-pass.eml", "microsoft365", true},
		{"fastmail-pass.eml", `"*.messagingengine.com"`, true},
		{"rspamd-pass.eml", "mail.bureau.example", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "rules", "testdata", "auth", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			set, diags := rules.Parse("rules.yaml", []byte("caucuses:\n  - id: g\n    address: g@example.org\nbureau:\n  require_auth: dmarc\n  trusted_authserv: ["+tc.trusted+"]\n"))
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			msg := parseInbound(raw)
			if ok, why := set.SenderAuthenticated(&msg.Facts); ok != tc.want {
				t.Errorf("SenderAuthenticated = %v (%s), want %v", ok, why, tc.want)
			}
		})
	}
}
