package admin

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Config configures the admin handler. Backend, Username and Password are
// required.
type Config struct {
	Backend  Backend
	Username string
	Password string
	// Metrics serves /metrics (metrics.Handler for the gateway's
	// registry); nil: /metrics answers 404.
	Metrics http.Handler
	// TLS says the listener serves TLS; the handler then sends
	// Strict-Transport-Security.
	TLS bool
	// Insecure says the admin allowed the login over plaintext off
	// loopback; the pages then say so in a banner.
	Insecure bool
	// MaxLoginFailures is how many failed logins a client may make within
	// 15 minutes before it is refused with 429; 0: 5.
	MaxLoginFailures int
	// Location is the zone every time is shown in, named on each page
	// (display_timezone); nil: the host's zone.
	Location *time.Location
	Logger   *slog.Logger     // nil: discard
	Now      func() time.Time // nil: time.Now
	// CSRFKey signs the forms' CSRF tokens, at least 32 bytes; nil: a
	// random key, so that forms opened before a restart are refused after
	// it (the admin reloads the page).
	CSRFKey []byte
}

// minKeyLen matches HMAC-SHA256's strength: a shorter key would be the
// easier thing to guess.
const minKeyLen = 32

func (c Config) withDefaults() (Config, error) {
	if c.Backend == nil {
		return c, errors.New("admin config: no backend")
	}
	if c.Username == "" || c.Password == "" {
		return c, errors.New("admin config: username and password are required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxLoginFailures <= 0 {
		c.MaxLoginFailures = defaultMaxFailures
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CSRFKey == nil {
		c.CSRFKey = make([]byte, minKeyLen)
		if _, err := rand.Read(c.CSRFKey); err != nil {
			return c, fmt.Errorf("generate csrf key: %w", err)
		}
	}
	if len(c.CSRFKey) < minKeyLen {
		return c, fmt.Errorf("admin config: csrf key of %d bytes, want at least %d", len(c.CSRFKey), minKeyLen)
	}
	return c, nil
}
