package imapwatch

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// tokenList hands out tokens in order; Invalidate moves to the next.
type tokenList struct {
	mu          sync.Mutex
	tokens      []string
	invalidated int
}

func (l *tokenList) Token(context.Context) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tokens[min(l.invalidated, len(l.tokens)-1)], nil
}

func (l *tokenList) Invalidate() {
	l.mu.Lock()
	l.invalidated++
	l.mu.Unlock()
}

func TestOAuth(t *testing.T) {
	tests := []struct {
		name        string
		mechs       []string
		tokens      []string
		wantErr     bool
		wantMech    string // of the AuthError, when failing
		invalidated int
		attempts    int32
	}{
		{"XOAUTH2 preferred", []string{"PLAIN", "OAUTHBEARER", "XOAUTH2"}, []string{"good"}, false, "", 0, 1},
		{"OAUTHBEARER", []string{"OAUTHBEARER"}, []string{"good"}, false, "", 0, 1},
		{"XOAUTH2 stale token refreshed", []string{"XOAUTH2"}, []string{"stale", "good"}, false, "", 1, 2},
		{"OAUTHBEARER stale token refreshed", []string{"OAUTHBEARER"}, []string{"stale", "good"}, false, "", 1, 2},
		{"XOAUTH2 refused twice", []string{"XOAUTH2"}, []string{"bad", "worse"}, true, "XOAUTH2", 1, 2},
		{"OAUTHBEARER refused twice", []string{"OAUTHBEARER"}, []string{"bad", "worse"}, true, "OAUTHBEARER", 1, 2},
		{"no OAuth mechanism", []string{"PLAIN"}, []string{"good"}, true, "OAUTH", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{mechs: tt.mechs, goodToken: "good"})
			ts.deliver("INBOX", "a", "x", time.Now())
			tokens := &tokenList{tokens: tt.tokens}
			sink := newMemSink()
			cfg := testConfig(t, ts.addr, sink, nil)
			cfg.Password, cfg.Token = "", tokens
			err := newSupervisor(t, cfg).SyncOnce(t.Context())
			var authErr *AuthError
			switch {
			case tt.wantErr && !errors.As(err, &authErr):
				t.Fatalf("SyncOnce = %v, want an *AuthError", err)
			case tt.wantErr && authErr.Mechanism != tt.wantMech:
				t.Errorf("failed mechanism %q, want %q", authErr.Mechanism, tt.wantMech)
			case !tt.wantErr && err != nil:
				t.Fatalf("SyncOnce = %v", err)
			case !tt.wantErr && len(sink.subjects()) != 1:
				t.Errorf("accepted %q after logging in", sink.subjects())
			}
			if tokens.invalidated != tt.invalidated {
				t.Errorf("Invalidate called %d times, want %d", tokens.invalidated, tt.invalidated)
			}
			if n := ts.logins.Load(); n != tt.attempts {
				t.Errorf("server saw %d authentication attempts, want %d", n, tt.attempts)
			}
		})
	}
}

func TestPasswordLogin(t *testing.T) {
	tests := []struct {
		name    string
		rewrite func([]byte) []byte
		want    string
	}{
		{"LOGIN", nil, "LOGIN"},
		{"AUTHENTICATE PLAIN when LOGINDISABLED", disableLogin, "PLAIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{rewrite: tt.rewrite})
			ts.deliver("INBOX", "a", "x", time.Now())
			sink := newMemSink()
			if err := newSupervisor(t, testConfig(t, ts.addr, sink, nil)).SyncOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			if len(sink.subjects()) != 1 {
				t.Errorf("accepted %q", sink.subjects())
			}
			if want := []string{tt.want}; !slices.Equal(ts.mechs, want) {
				t.Errorf("authenticated by %q, want %q", ts.mechs, want)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	tests := []struct {
		name     string
		scheme   string
		implicit bool
	}{
		{"STARTTLS on imap://", "imap", false},
		{"implicit TLS on imaps://", "imaps", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// With TLS configured the server refuses LOGIN in clear, so
			// logging in proves the connection was encrypted.
			ts := startServer(t, serverOpts{tls: serverTLS, implicit: tt.implicit})
			ts.deliver("INBOX", "a", "x", time.Now())
			sink := newMemSink()
			cfg := testConfig(t, ts.addr, sink, nil)
			cfg.URL = &url.URL{Scheme: tt.scheme, Host: ts.addr}
			cfg.TLSConfig = &tls.Config{RootCAs: roots}
			s := newSupervisor(t, cfg)
			for range 2 { // the second connection knows STARTTLS is there
				if err := s.SyncOnce(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			if len(sink.subjects()) != 1 {
				t.Errorf("accepted %q", sink.subjects())
			}
		})
	}
}

func TestTLSRejectsUntrustedCertificate(t *testing.T) {
	serverTLS, _ := selfSigned(t)
	ts := startServer(t, serverOpts{tls: serverTLS, implicit: true})
	cfg := testConfig(t, ts.addr, newMemSink(), nil)
	cfg.URL = &url.URL{Scheme: "imaps", Host: ts.addr}
	err := newSupervisor(t, cfg).SyncOnce(t.Context())
	var unknownCA x509UnknownAuthority
	if err == nil || !errors.As(err, &unknownCA) {
		t.Fatalf("SyncOnce = %v, want an unknown-authority error", err)
	}
}

// externalIP finds an address of this machine that is not loopback, to
// test the plaintext rule without leaving the machine.
func externalIP(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skipf("no interface addresses: %v", err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() {
			return ipn.IP.String()
		}
	}
	t.Skip("this machine has no non-loopback IPv4 address to test plaintext refusal with")
	return ""
}

func TestPlaintextAuthRefusedOffLoopback(t *testing.T) {
	ip := externalIP(t)
	tests := []struct {
		name     string
		insecure bool
		wantErr  error
	}{
		{"refused", false, ErrPlaintext},
		{"allowed with insecure", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{listenOn: net.JoinHostPort(ip, "0")})
			cfg := testConfig(t, ts.addr, newMemSink(), nil)
			cfg.Insecure = tt.insecure
			err := newSupervisor(t, cfg).SyncOnce(t.Context())
			if !errors.Is(err, tt.wantErr) && !(tt.wantErr == nil && err == nil) {
				t.Fatalf("SyncOnce = %v, want %v", err, tt.wantErr)
			}
			wantLogins := int32(0)
			if tt.insecure {
				wantLogins = 1
			}
			if n := ts.logins.Load(); n != wantLogins {
				t.Errorf("server saw %d logins, want %d", n, wantLogins)
			}
		})
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	ts := startServer(t, serverOpts{mechs: []string{"PLAIN", "XOAUTH2"}, goodToken: "tok-GOOD-123"})
	ts.deliver("INBOX", "a", "x", time.Now())
	var logs bytes.Buffer
	run := func(mutate func(*Config)) {
		cfg := testConfig(t, ts.addr, newMemSink(), nil)
		cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		mutate(&cfg)
		_ = newSupervisor(t, cfg).SyncOnce(t.Context())
	}
	run(func(c *Config) { c.Password = "pw-WRONG-456" })
	run(func(c *Config) { c.Token = &tokenList{tokens: []string{"tok-STALE-789", "tok-GOOD-123"}} })
	run(func(c *Config) { c.Token = &tokenList{tokens: []string{"tok-BAD-000"}} })
	run(func(c *Config) {})
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test would prove nothing")
	}
	for _, secret := range []string{testPass, "pw-WRONG-456", "tok-GOOD-123", "tok-STALE-789", "tok-BAD-000"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains secret %q:\n%s", secret, logs.String())
		}
	}
}
