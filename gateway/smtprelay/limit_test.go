package smtprelay

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		limit int
		sent  []time.Duration // offsets from t0
		at    time.Duration
		want  time.Duration
	}{
		{"unlimited", 0, []time.Duration{0, 0, 0}, 0, 0},
		{"room left", 3, []time.Duration{0, 10 * time.Second}, 20 * time.Second, 0},
		{"full: wait for the oldest", 2, []time.Duration{0, 10 * time.Second}, 20 * time.Second, 40 * time.Second},
		{"oldest just left", 2, []time.Duration{0, 10 * time.Second}, time.Minute, 0},
		{"old sends forgotten", 2, []time.Duration{0, time.Second, 2 * time.Minute}, 2*time.Minute + time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(time.Minute, tt.limit)
			for _, d := range tt.sent {
				w.add(t0.Add(d))
			}
			if got := w.wait(t0.Add(tt.at)); got != tt.want {
				t.Errorf("wait = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	clock := newFakeClock()
	start := clock.Now()
	ts := startServer(t, &testBackend{}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp"), Rate: 2, Now: clock.Now, Sleep: clock.Sleep,
		IdleTimeout: time.Hour})
	for range 5 {
		if _, err := send(t, r, "a@example.org"); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := clock.sleeps(), []time.Duration{time.Minute, time.Minute}; !reflect.DeepEqual(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
	if got := clock.Now().Sub(start); got != 2*time.Minute {
		t.Errorf("5 messages at 2 a minute took %v, want 2m", got)
	}
	if got := len(ts.be.messages()); got != 5 {
		t.Errorf("received %d, want 5", got)
	}
}

func TestRateLimitWaitCancelled(t *testing.T) {
	clock := newFakeClock()
	ts := startServer(t, &testBackend{}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp"), Rate: 1, Now: clock.Now, Sleep: clock.Sleep})
	if _, err := send(t, r, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Send(ctx, Envelope{From: "b@example.org", To: []string{"a@example.org"}}, msg("x"))
	if !errors.Is(err, context.Canceled) || !Temporary(err) {
		t.Fatalf("send with a cancelled context while rate limited: %v", err)
	}
	if got := len(ts.be.messages()); got != 1 {
		t.Errorf("received %d, want 1", got)
	}
}

func TestDailyLimit(t *testing.T) {
	clock := newFakeClock()
	ts := startServer(t, &testBackend{}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp"), DailyLimit: 2, Now: clock.Now, Sleep: clock.Sleep})
	for range 2 {
		if _, err := send(t, r, "a@example.org"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
	}
	_, err := send(t, r, "a@example.org")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindQuota || !e.Temporary() {
		t.Fatalf("third send in a day of 2: %v, want a temporary quota error", err)
	}
	if got, want := e.RetryAfter(), 22*time.Hour; got != want {
		t.Errorf("RetryAfter %v, want %v", got, want)
	}
	if sl := clock.sleeps(); len(sl) != 0 {
		t.Errorf("slept %v: the daily limit must not hold the caller", sl)
	}
	clock.Advance(22 * time.Hour)
	if _, err := send(t, r, "a@example.org"); err != nil {
		t.Fatalf("send once the window freed: %v", err)
	}
	if got := len(ts.be.messages()); got != 3 {
		t.Errorf("received %d, want 3", got)
	}
}
