package smtprelay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"time"
)

// TokenSource supplies OAuth 2.0 access tokens for AUTH XOAUTH2.
type TokenSource interface {
	// Token returns a valid access token, from a cache or freshly obtained.
	Token(ctx context.Context) (string, error)
	// Invalidate drops the cached token after the relay refused it, so the
	// next Token call obtains a new one.
	Invalidate()
}

// Config describes one relay. The zero value of every field but URL is
// usable: its default is given beside it.
type Config struct {
	// URL is smtp://host:port (port 25 by default; STARTTLS when the relay
	// offers it, and required when credentials are sent to a host that is
	// not loopback unless Insecure), or smtps://host:port (implicit TLS,
	// RFC 8314; port 465 by default).
	URL *url.URL

	// Username and Password select AUTH PLAIN.
	Username, Password string
	// Token selects AUTH XOAUTH2 with Username; on a refusal the token is
	// invalidated and AUTH retried once with a fresh one.
	Token TokenSource

	// Hostname is the name sent in EHLO. Default: os.Hostname().
	Hostname string
	// Sessions bounds the connections open at once. Default 4. Microsoft
	// 365 accepts at most 3 per mailbox (432 4.3.2 beyond).
	Sessions int
	// Rate bounds messages sent in any minute: every attempt counts, as it
	// does at the relay. 0: unlimited. Microsoft 365 allows 30.
	Rate int
	// DailyLimit bounds messages (transactions, not recipients) sent in any
	// 24 hours. 0: unlimited. Hosted relays count recipients (Microsoft
	// 365: 10,000, Google Workspace: 2,000), so set it to their figure
	// divided by the usual recipients per message.
	DailyLimit int

	// CommandTimeout bounds the wait for each reply, and each write of the
	// body. Default 5 minutes (RFC 5321 section 4.5.3.2).
	CommandTimeout time.Duration
	// DataTimeout bounds the wait for the reply to the body's final dot.
	// Default 10 minutes (RFC 5321 section 4.5.3.2.6).
	DataTimeout time.Duration
	// IdleTimeout is how long an unused connection stays open for reuse.
	// Default 30 seconds: relays drop idle clients after a few minutes.
	IdleTimeout time.Duration
	// MaxPerConnection is how many messages one connection carries before
	// it is closed and another dialled. Default 100.
	MaxPerConnection int

	// TLSConfig is cloned for STARTTLS and smtps; ServerName defaults to
	// the URL's host.
	TLSConfig *tls.Config
	// Insecure allows credentials over plaintext to a host that is not
	// loopback.
	Insecure bool

	// Logger receives connection events; never secrets. Default: discard.
	Logger *slog.Logger
	// Now is the clock of the rate and daily limits and of idle
	// connections. Default time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends, for the rate limit. Default: a
	// timer. Tests pair it with Now to drive a fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// DialContext opens the TCP connection. Default: a net.Dialer with a
	// CommandTimeout timeout.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ErrConfig is wrapped by every configuration error New returns.
var ErrConfig = errors.New("invalid relay configuration")

func (c Config) withDefaults() (Config, error) {
	if c.Hostname == "" {
		h, err := os.Hostname()
		if err != nil {
			return c, fmt.Errorf("read hostname: %w", err)
		}
		c.Hostname = h
	}
	c.Sessions = orDefault(c.Sessions, 4)
	c.MaxPerConnection = orDefault(c.MaxPerConnection, 100)
	c.CommandTimeout = orDefault(c.CommandTimeout, 5*time.Minute)
	c.DataTimeout = orDefault(c.DataTimeout, 10*time.Minute)
	c.IdleTimeout = orDefault(c.IdleTimeout, 30*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.DialContext == nil {
		d := &net.Dialer{Timeout: c.CommandTimeout}
		c.DialContext = d.DialContext
	}
	return c, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// validate reports every problem at once.
func (c Config) validate() error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...))
	}
	if c.URL == nil {
		add("no relay URL")
	} else {
		if c.URL.Scheme != "smtp" && c.URL.Scheme != "smtps" {
			add("relay URL scheme %q: want smtp or smtps", c.URL.Scheme)
		}
		if c.URL.Hostname() == "" {
			add("relay URL has no host")
		}
		if c.URL.User != nil {
			add("relay URL carries credentials: give them apart, from a secret")
		}
	}
	if c.Password != "" && c.Token != nil {
		add("both a password and a token: choose one")
	}
	if (c.Password != "" || c.Token != nil) && c.Username == "" {
		add("credentials without a username")
	}
	for name, v := range map[string]int{"sessions": c.Sessions, "rate": c.Rate,
		"daily limit": c.DailyLimit, "max per connection": c.MaxPerConnection} {
		if v < 0 {
			add("negative %s %d", name, v)
		}
	}
	return errors.Join(errs...)
}

// hasCredentials reports whether the relay is given anything to AUTH with.
func (c Config) hasCredentials() bool {
	return c.Username != "" && (c.Password != "" || c.Token != nil)
}

// requiresTLS reports whether plaintext must be refused: credentials are
// never sent in clear off loopback (STARTTLS stripping must not leak them).
func (c Config) requiresTLS() bool {
	return c.hasCredentials() && !c.Insecure && !isLoopback(c.URL.Hostname())
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// address is host:port with the scheme's default port.
func (c Config) address() string {
	port := c.URL.Port()
	if port == "" {
		port = "25"
		if c.URL.Scheme == "smtps" {
			port = "465"
		}
	}
	return net.JoinHostPort(c.URL.Hostname(), port)
}

func (c Config) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if c.TLSConfig != nil {
		cfg = c.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = c.URL.Hostname()
	}
	return cfg
}
