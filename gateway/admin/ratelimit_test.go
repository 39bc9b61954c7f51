package admin

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLoginRateLimit: after a few failed logins a client gets 429, even
// with the right password, until the window has passed; it is logged.
func TestLoginRateLimit(t *testing.T) {
	var logs bytes.Buffer
	h := newHarness(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	wrong := func() int {
		req, _ := http.NewRequest("GET", h.srv.URL+"/", nil)
		req.SetBasicAuth(testUser, "guess")
		resp, err := h.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range defaultMaxFailures {
		if got := wrong(); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, got)
		}
	}
	if got := wrong(); got != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d, want 429", defaultMaxFailures, got)
	}
	r := h.get("/")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("right password while limited: %d, Retry-After %q; want 429 with Retry-After", r.status, r.header.Get("Retry-After"))
	}
	if !strings.Contains(logs.String(), "too many failures") {
		t.Errorf("the refusal is not logged:\n%s", logs.String())
	}
	h.now = h.now.Add(failureWindow + time.Second)
	if r := h.get("/"); r.status != http.StatusOK {
		t.Fatalf("after the window: %d, want 200", r.status)
	}
}

// TestLoginSuccessClears: a success forgets earlier failures.
func TestLoginSuccessClears(t *testing.T) {
	l := newLoginLimiter(func() time.Time { return testNow }, defaultMaxFailures)
	for range defaultMaxFailures - 1 {
		l.fail("192.0.2.1")
	}
	l.succeed("192.0.2.1")
	l.fail("192.0.2.1")
	if l.retryAfter("192.0.2.1") != 0 || l.retryAfter("192.0.2.2") != 0 {
		t.Error("a client is limited below its failure count")
	}
}
