package smtprelay

import (
	"context"
	"crypto/tls"
	"net"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
)

func tlsConfigFor(ts *testServer) *tls.Config {
	return &tls.Config{RootCAs: ts.certPool}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// redirect dials ts whatever address is asked, so that a test can name the
// relay as a host that is not loopback.
func redirect(ts *testServer) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, ts.addr)
	}
}

func TestStartTLS(t *testing.T) {
	be := &testBackend{password: "s3cret", needAuth: true}
	ts := startServer(t, be, serverOpts{startTLS: true})
	r := newRelay(t, Config{URL: mustURL(t, "smtp://mail.example.org:587"),
		DialContext: redirect(ts), TLSConfig: tlsConfigFor(ts),
		Username: "bureau", Password: "s3cret"})
	if _, err := send(t, r, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	got := be.messages()
	if len(got) != 1 || !got[0].TLS {
		t.Fatalf("received %+v, want one message over TLS", got)
	}
}

func TestStartTLSUntrustedCertificate(t *testing.T) {
	ts := startServer(t, &testBackend{}, serverOpts{startTLS: true})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	_, err := send(t, r, "a@example.org")
	if KindOf(err) != KindNetwork || len(ts.be.messages()) != 0 {
		t.Fatalf("self-signed certificate without trust: %v, want a network error and nothing sent", err)
	}
}

func TestImplicitTLS(t *testing.T) {
	be := &testBackend{}
	ts := startServer(t, be, serverOpts{implicitTLS: true})
	r := newRelay(t, Config{URL: ts.url("smtps"), TLSConfig: tlsConfigFor(ts)})
	for range 2 {
		if _, err := send(t, r, "a@example.org"); err != nil {
			t.Fatal(err)
		}
	}
	got := be.messages()
	if len(got) != 2 || !got[0].TLS || !got[1].TLS {
		t.Fatalf("received %+v, want two messages over TLS", got)
	}
	if accepted, _ := ts.listener.counts(); accepted != 1 {
		t.Errorf("%d connections, want 1", accepted)
	}
}

func TestPlaintextCredentialsRefused(t *testing.T) {
	be := &testBackend{password: "s3cret"}
	ts := startServer(t, be, serverOpts{insecureAuth: true})
	r := newRelay(t, Config{URL: mustURL(t, "smtp://mail.example.org:25"),
		DialContext: redirect(ts), Username: "bureau", Password: "s3cret"})
	_, err := send(t, r, "a@example.org")
	if KindOf(err) != KindAuth {
		t.Fatalf("credentials over plaintext off loopback: %v, want an auth error", err)
	}
	if a := be.authAttempts(); len(a) != 0 || len(be.messages()) != 0 {
		t.Fatalf("the relay saw AUTH %q and %d messages, want none", a, len(be.messages()))
	}

	insecure := newRelay(t, Config{URL: mustURL(t, "smtp://mail.example.org:25"),
		DialContext: redirect(ts), Username: "bureau", Password: "s3cret", Insecure: true})
	if _, err := send(t, insecure, "a@example.org"); err != nil {
		t.Fatalf("with insecure: %v", err)
	}
}

func TestRequiresTLS(t *testing.T) {
	tests := []struct {
		url      string
		user     string
		insecure bool
		want     bool
	}{
		{"smtp://mail.example.org", "u", false, true},
		{"smtp://mail.example.org", "u", true, false},
		{"smtp://mail.example.org", "", false, false},
		{"smtp://127.0.0.1:25", "u", false, false},
		{"smtp://[::1]:25", "u", false, false},
		{"smtp://localhost:25", "u", false, false},
		{"smtp://10.0.0.1:25", "u", false, true},
	}
	for _, tt := range tests {
		cfg := Config{URL: mustURL(t, tt.url), Username: tt.user, Insecure: tt.insecure}
		if tt.user != "" {
			cfg.Password = "p"
		}
		if got := cfg.requiresTLS(); got != tt.want {
			t.Errorf("%s user %q insecure %v: requiresTLS %v, want %v", tt.url, tt.user, tt.insecure, got, tt.want)
		}
	}
}

// A relay (or a man in the middle) that sends bytes after its STARTTLS reply
// but before the handshake must not have them read as protected.
func TestStartTLSInjectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tp := textproto.NewConn(c)
		tp.PrintfLine("220 relay.test ESMTP")
		tp.ReadLine() // EHLO
		tp.PrintfLine("250-relay.test\r\n250 STARTTLS")
		tp.ReadLine() // STARTTLS
		tp.PrintfLine("220 2.0.0 Ready\r\n250 2.0.0 injected")
		tp.ReadLine() // whatever comes next, until the client hangs up
	}()
	r := newRelay(t, Config{URL: mustURL(t, "smtp://"+l.Addr().String())})
	_, err = send(t, r, "a@example.org")
	if KindOf(err) != KindNetwork || !strings.Contains(err.Error(), "before the handshake") {
		t.Fatalf("send: %v, want a network error naming the injected data", err)
	}
}
