package smtprelay

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
)

func TestAuthPlain(t *testing.T) {
	tests := []struct {
		name     string
		password string
		kind     Kind // 0: delivered
	}{
		{"right password", "s3cret", 0},
		{"wrong password", "guess", KindAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &testBackend{password: "s3cret", needAuth: true}
			ts := startServer(t, be, serverOpts{insecureAuth: true})
			r := newRelay(t, Config{URL: ts.url("smtp"), Username: "bureau", Password: tt.password})
			_, err := send(t, r, "a@example.org")
			if tt.kind == 0 && err != nil || tt.kind != 0 && KindOf(err) != tt.kind {
				t.Fatalf("send: %v, want kind %v", err, tt.kind)
			}
			if got := be.authAttempts(); !reflect.DeepEqual(got, []string{"PLAIN bureau"}) {
				t.Errorf("AUTH attempts %q", got)
			}
			if want := map[Kind]int{0: 1}[tt.kind]; len(be.messages()) != want {
				t.Errorf("received %d messages, want %d", len(be.messages()), want)
			}
		})
	}
}

// tokenList hands out its tokens in turn, moving on at each Invalidate.
type tokenList struct {
	mu          sync.Mutex
	tokens      []string
	invalidated int
}

func (l *tokenList) Token(context.Context) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.invalidated >= len(l.tokens) {
		return "", errors.New("token endpoint refused the refresh token")
	}
	return l.tokens[l.invalidated], nil
}

func (l *tokenList) Invalidate() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.invalidated++
}

func TestXOAUTH2(t *testing.T) {
	tests := []struct {
		name        string
		tokens      []string
		attempts    int
		invalidated int
		kind        Kind // 0: delivered
	}{
		{"valid token", []string{"fresh"}, 1, 0, 0},
		{"expired token refreshed after 535", []string{"expired", "fresh"}, 2, 1, 0},
		{"refreshed token refused too", []string{"expired", "revoked"}, 2, 1, KindAuth},
		{"no token obtainable", nil, 0, 0, KindAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &testBackend{tokens: map[string]bool{"fresh": true}, needAuth: true}
			ts := startServer(t, be, serverOpts{insecureAuth: true})
			src := &tokenList{tokens: tt.tokens}
			r := newRelay(t, Config{URL: ts.url("smtp"), Username: "bureau@example.org", Token: src})
			_, err := send(t, r, "a@example.org")
			if tt.kind == 0 && err != nil || tt.kind != 0 && KindOf(err) != tt.kind {
				t.Fatalf("send: %v, want kind %v", err, tt.kind)
			}
			if got := len(be.authAttempts()); got != tt.attempts {
				t.Errorf("%d AUTH attempts (%q), want %d", got, be.authAttempts(), tt.attempts)
			}
			if src.invalidated != tt.invalidated {
				t.Errorf("invalidated %d times, want %d", src.invalidated, tt.invalidated)
			}
			for _, a := range be.authAttempts() {
				if a != "XOAUTH2 bureau@example.org" {
					t.Errorf("AUTH attempt %q", a)
				}
			}
		})
	}
}
