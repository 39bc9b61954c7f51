package smtprelay

import (
	"context"
	"sync"
	"time"
)

// window counts events in a sliding span of time. A sliding log, not a token
// bucket: relays count "N in any minute" or "N in any 24 hours", and a bucket
// refilling while its burst is spent lets nearly twice N through one span.
type window struct {
	span  time.Duration
	limit int
	times []time.Time // oldest first
}

func newWindow(span time.Duration, limit int) *window {
	if limit <= 0 {
		return nil
	}
	return &window{span: span, limit: limit}
}

// wait returns how long until one more event fits; zero when it fits now.
func (w *window) wait(now time.Time) time.Duration {
	if w == nil {
		return 0
	}
	cut := now.Add(-w.span)
	i := 0
	for i < len(w.times) && !w.times[i].After(cut) {
		i++
	}
	w.times = w.times[i:]
	if len(w.times) < w.limit {
		return 0
	}
	return w.times[0].Sub(cut)
}

func (w *window) add(now time.Time) {
	if w != nil {
		w.times = append(w.times, now)
	}
}

// limiter enforces Config.Rate and Config.DailyLimit.
type limiter struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu     sync.Mutex
	minute *window
	day    *window
}

func newLimiter(cfg Config) *limiter {
	return &limiter{
		now:    cfg.Now,
		sleep:  cfg.Sleep,
		minute: newWindow(time.Minute, cfg.Rate),
		day:    newWindow(24*time.Hour, cfg.DailyLimit),
	}
}

// reserve records a send now if both windows allow it. Otherwise it returns
// the wait for the minute window, or, when the day is full, dayWait > 0.
func (l *limiter) reserve() (wait, dayWait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if d := l.day.wait(now); d > 0 {
		return 0, d
	}
	if w := l.minute.wait(now); w > 0 {
		return w, 0
	}
	l.minute.add(now)
	l.day.add(now)
	return 0, 0
}

// take waits for the rate limit, and fails at once with a KindQuota *Error
// whose RetryAfter says when the day window frees when the daily limit is
// reached: a day is too long to hold a worker.
func (l *limiter) take(ctx context.Context) error {
	for {
		wait, dayWait := l.reserve()
		switch {
		case dayWait > 0:
			return &Error{Kind: KindQuota, Message: "daily sending limit reached",
				retryAfter: dayWait}
		case wait == 0:
			return nil
		}
		if err := l.sleep(ctx, wait); err != nil {
			return &Error{Kind: KindNetwork, Message: "wait for rate limit", err: err}
		}
	}
}
