package admin

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Failed logins: a client that fails max times (Config.MaxLoginFailures,
// defaultMaxFailures) within
// failureWindow is refused (429) until the window has passed since its
// last failure; a success clears its count. maxClients bounds the table
// against a spray of addresses.
const (
	defaultMaxFailures = 5
	failureWindow      = 15 * time.Minute
	maxClients         = 10000
)

// loginLimiter counts failed logins per client address.
type loginLimiter struct {
	now func() time.Time
	max int
	mu  sync.Mutex
	by  map[string]failures
}

type failures struct {
	n    int
	last time.Time
}

func newLoginLimiter(now func() time.Time, max int) *loginLimiter {
	return &loginLimiter{now: now, max: max, by: map[string]failures{}}
}

// retryAfter is how long client must wait before trying again; 0 when it
// may try now.
func (l *loginLimiter) retryAfter(client string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.by[client]
	if !ok || f.n < l.max {
		return 0
	}
	wait := f.last.Add(failureWindow).Sub(l.now())
	if wait <= 0 {
		delete(l.by, client)
		return 0
	}
	return wait
}

// fail counts a failed login and returns the client's count.
func (l *loginLimiter) fail(client string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.by[client]
	if now.Sub(f.last) > failureWindow {
		f.n = 0
	}
	f.n++
	f.last = now
	if len(l.by) >= maxClients {
		l.prune(now)
	}
	l.by[client] = f
	return f.n
}

func (l *loginLimiter) succeed(client string) {
	l.mu.Lock()
	delete(l.by, client)
	l.mu.Unlock()
}

// prune forgets clients whose window has passed; when none has, the
// oldest half goes, so that the table stays bounded.
func (l *loginLimiter) prune(now time.Time) {
	for c, f := range l.by {
		if now.Sub(f.last) > failureWindow {
			delete(l.by, c)
		}
	}
	for c := range l.by {
		if len(l.by) < maxClients/2 {
			return
		}
		delete(l.by, c)
	}
}

// clientOf is the client a login attempt is counted against: the peer's
// address without its port (the admin listener is not behind a proxy we
// could trust for X-Forwarded-For).
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// tooMany answers a client over its failure limit.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	http.Error(w, "too many failed logins: try again later", http.StatusTooManyRequests)
}
