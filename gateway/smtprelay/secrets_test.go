package smtprelay

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSecretsNeverLogged(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	be := &testBackend{password: "pw-right", tokens: map[string]bool{"tok-fresh": true}, needAuth: true}
	ts := startServer(t, be, serverOpts{insecureAuth: true})

	var errs []string
	for _, cfg := range []Config{
		{Username: "bureau", Password: "pw-wrong"},
		{Username: "bureau", Password: "pw-right"},
		{Username: "bureau", Token: &tokenList{tokens: []string{"tok-expired", "tok-fresh"}}},
		{Username: "bureau", Token: &tokenList{tokens: []string{"tok-expired", "tok-revoked"}}},
	} {
		cfg.URL, cfg.Logger = ts.url("smtp"), logger
		r := newRelay(t, cfg)
		if _, err := send(t, r, "a@example.org"); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) != 2 {
		t.Fatalf("errors %q, want two auth failures", errs)
	}
	if !strings.Contains(logs.String(), "session") {
		t.Fatalf("nothing logged at debug level, the test proves nothing: %q", logs.String())
	}
	all := logs.String() + strings.Join(errs, "\n")
	for _, secret := range []string{"pw-wrong", "pw-right", "tok-expired", "tok-fresh", "tok-revoked"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q appears in the logs or errors:\n%s", secret, all)
		}
	}
}
