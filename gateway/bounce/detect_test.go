package bounce

import (
	"net/textproto"
	"testing"
)

func TestIsDeliveryReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header map[string]string
		want   bool
	}{
		{"multipart/report dsn", map[string]string{"Content-Type": `multipart/report; report-type=delivery-status; boundary="x"`}, true},
		{"mdn", map[string]string{"Content-Type": "multipart/report; report-type=disposition-notification; boundary=y"}, true},
		{"null return-path", map[string]string{"Return-Path": "<>"}, true},
		{"mailer-daemon", map[string]string{"From": "Mail Delivery System <MAILER-DAEMON@mx.example.org>"}, true},
		{"mailer-daemon comment form", map[string]string{"From": "MAILER-DAEMON@relay.example.org (Mail Delivery System)"}, true},
		{"mailer-daemon bare", map[string]string{"From": "MAILER-DAEMON"}, true},
		{"exim failed recipients", map[string]string{"X-Failed-Recipients": "a@b.example"}, true},
		{"exchange system mailbox", map[string]string{"From": "Microsoft Exchange <MicrosoftExchange329e71ec@p.example>", "Subject": "Undeliverable: Invitation"}, true},
		{"postmaster bounce subject", map[string]string{"From": "postmaster@p.example", "Subject": "Undeliverable: x"}, true},
		{"postmaster other mail", map[string]string{"From": "postmaster@p.example", "Subject": "Our new policy"}, false},
		{"member forwards a bounce", map[string]string{"From": "alice@example.org", "Subject": "Fwd: Undeliverable: x", "Return-Path": "<alice@example.org>"}, false},
		{"invitation", map[string]string{"From": "Chair <chair@itu.int>", "Content-Type": "multipart/mixed; boundary=z", "Return-Path": "<chair@itu.int>"}, false},
		{"auto-reply is not a report", map[string]string{"From": "pat@example.net", "Auto-Submitted": "auto-replied"}, false},
		{"daemon lookalike", map[string]string{"From": "mailer-daemon-fan@example.net"}, false},
		{"empty", map[string]string{}, false},
	}
	for _, tt := range tests {
		h := textproto.MIMEHeader{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		if got := IsDeliveryReport(h); got != tt.want {
			t.Errorf("%s: IsDeliveryReport = %v, want %v", tt.name, got, tt.want)
		}
	}
}
