package unsubscribe

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"caucusgate/gateway/token"
)

// Store records unsubscriptions; *queue.Store is one. Unsubscribe must be
// idempotent: a provider may POST the same link again.
type Store interface {
	Unsubscribe(ctx context.Context, caucus, member string, at time.Time) error
}

// Config configures Links and NewHandler.
type Config struct {
	// Keyring seals and opens the tokens; required.
	Keyring *token.Keyring
	// Store records unsubscriptions; required by NewHandler.
	Store Store
	// PublicURL is the base of the https: links, such as
	// https://lists.example.org/caucusgate/; nil: Links makes no https:
	// link. RFC 8058 one-click needs an https: URL.
	PublicURL *url.URL
	// CaucusName names a caucus id for the page people see; nil, or false
	// for an id no longer in the rules: the id itself.
	CaucusName func(id string) (string, bool)
	// TokenTTL is how long a link works after the copy carrying it was
	// sent; 0: DefaultTokenTTL.
	TokenTTL time.Duration
	// Now is the clock for token expiry and the unsubscription's time;
	// nil: time.Now.
	Now func() time.Time
	// Logger logs unsubscriptions and store failures; nil: discard.
	Logger *slog.Logger
}

// DefaultTokenTTL is how long an unsubscribe link works: a year, long
// enough for anyone filing old mail, short enough that a leaked link
// does not act forever.
const DefaultTokenTTL = 365 * 24 * time.Hour

// expiry is when a link sealed now stops working.
func (c Config) expiry() time.Time {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ttl := c.TokenTTL
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	return now().Add(ttl)
}

// withDefaults fills the optional fields. A missing Keyring or Store is a
// wiring mistake, found at start, so it panics rather than serving 500s.
func (c Config) withDefaults() Config {
	if c.Keyring == nil || c.Store == nil {
		panic("unsubscribe: Config needs a Keyring and a Store")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.CaucusName == nil {
		c.CaucusName = func(string) (string, bool) { return "", false }
	}
	return c
}

// caucusName is the caucus's name from the rules, or its id.
func (c Config) caucusName(id string) string {
	if name, ok := c.CaucusName(id); ok && name != "" {
		return name
	}
	return id
}
