package main

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// problem is one semantic mistake in the config file, located by the path of
// the key it concerns (accounts[0].imap); the loader turns the path into
// FILE:LINE:COLUMN.
type problem struct {
	Path    string
	Message string
	Warning bool
}

// checkConfig reports every semantic problem of c at once.
func checkConfig(c *fileConfig) []problem {
	var ps []problem
	add := func(path, format string, args ...any) {
		ps = append(ps, problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if len(c.Accounts) == 0 {
		add("accounts", "no accounts: caucusgate needs at least one bureau mailbox")
	}
	names := map[string]bool{}
	for i, a := range c.Accounts {
		p := fmt.Sprintf("accounts[%d]", i)
		if names[a.Name] {
			add(p+".name", "duplicate account name %q", a.Name)
		}
		names[a.Name] = true
		checkAccount(p, a, add)
	}
	checkRelay(c.Relay, add)
	warn := func(path, format string, args ...any) {
		ps = append(ps, problem{Path: path, Message: fmt.Sprintf(format, args...), Warning: true})
	}
	checkPublic(c, add, warn)
	checkDKIM(c.DKIM, add)
	if _, err := retention(c); err != nil {
		add("retention", "%v", err)
	}
	checkAdmin(c, add)
	checkInvitations(c.Invitations, c.DisplayTimezone, add)
	if _, err := displayLocation(c.DisplayTimezone); err != nil {
		add("display_timezone", "%v", err)
	}
	checkBounceKeys(c, add)
	checkListsKeys(c, add)
	return ps
}

type addFunc func(path, format string, args ...any)

func checkAccount(p string, a accountConfig, add addFunc) {
	if a.Name == "" {
		add(p, "account without a name")
	}
	if _, err := mail.ParseAddress(a.Address); err != nil || a.Address == "" {
		add(p+".address", "address %q is not an email address: the gateway's own address on this account is required", a.Address)
	}
	// imap:// upgrades with STARTTLS; the watcher refuses a plaintext login
	// off loopback when the server offers none, unless insecure is set.
	if _, err := parseServerURL(a.IMAP, "imap", "imaps"); err != nil {
		add(p+".imap", "%v", err)
	}
	checkSecret(p, a.Username, a.PasswordEnv, a.PasswordFile, a.TokenCommand, add)
	if _, err := parseStart(a.Start); err != nil {
		add(p+".start", "%v", err)
	}
	if a.PollInterval != "" {
		if d, err := time.ParseDuration(a.PollInterval); err != nil || d < time.Second {
			add(p+".poll_interval", "poll_interval %q: want a duration of at least 1s, such as 60s", a.PollInterval)
		}
	}
	for j, m := range a.Mailboxes {
		if strings.TrimSpace(m) == "" {
			add(fmt.Sprintf("%s.mailboxes[%d]", p, j), "empty mailbox name")
		}
	}
}

func checkRelay(r relayConfig, add addFunc) {
	if _, err := parseServerURL(r.URL, "smtp", "smtps"); err != nil {
		add("relay.url", "%v", err)
	}
	checkSecret("relay", r.Username, r.PasswordEnv, r.PasswordFile, r.TokenCommand, add)
	if r.Sessions < 0 || r.Sessions > 64 {
		add("relay.sessions", "sessions %d: want 1 to 64", r.Sessions)
	}
	if r.Workers < 0 || r.Workers > 256 {
		add("relay.workers", "workers %d: want 1 to 256", r.Workers)
	}
	if r.Rate < 0 {
		add("relay.rate", "rate %d: want messages per minute, 0 or more", r.Rate)
	}
	if r.DailyLimit < 0 {
		add("relay.daily_limit", "daily_limit %d: want 0 or more", r.DailyLimit)
	}
}

func checkAdmin(c *fileConfig, add addFunc) {
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			add("listen", "listen %q: want HOST:PORT, such as 127.0.0.1:8025", c.Listen)
		}
	}
	a := c.Admin
	if a.Username != "" && a.PasswordEnv == "" && a.PasswordFile == "" {
		add("admin", "admin.username without password_env or password_file")
	}
	if (a.TLSCert == "") != (a.TLSKey == "") {
		add("admin", "admin.tls_cert and admin.tls_key go together")
	}
	if c.Listen != "" && a.Username != "" && a.TLSCert == "" && !a.Insecure {
		host, _, _ := net.SplitHostPort(c.Listen)
		if !isLoopback(host) {
			add("listen", "listen %q is off loopback: Basic auth there needs admin.tls_cert and admin.tls_key, or admin.insecure: true", c.Listen)
		}
	}
}

// checkSecret accepts one way to authenticate: a password from the
// environment or a file, or an OAuth token command.
func checkSecret(p, username, env, file, command string, add addFunc) {
	n := 0
	for _, s := range []string{env, file, command} {
		if s != "" {
			n++
		}
	}
	switch {
	case n > 1:
		add(p, "give one of password_env, password_file and token_command, not %d", n)
	case n == 1 && username == "":
		add(p, "a password or token without username")
	case n == 0 && username != "":
		add(p, "username %q without password_env, password_file or token_command", username)
	}
}

// parseServerURL checks a server URL of one of two schemes: plain (upgraded
// with STARTTLS) or implicit TLS.
func parseServerURL(raw, plain, tls string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("missing server URL: want %s://HOST:PORT or %s://HOST:PORT", tls, plain)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("server URL %q: %v", raw, err)
	}
	if u.Scheme != plain && u.Scheme != tls {
		return nil, fmt.Errorf("server URL %q: scheme must be %s:// or %s://", raw, tls, plain)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("server URL %q: no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("server URL: credentials do not belong in the URL; use username and password_env")
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkPublic(c *fileConfig, add, warn addFunc) {
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add("public_url", "public_url %q: want an https:// URL, such as https://lists.example.org/caucusgate/", c.PublicURL)
		} else if u.Scheme != "https" {
			warn("public_url", "public_url is not https: mail providers offer one-click unsubscribe (RFC 8058) only for https links")
		}
	}
	if c.PublicListen != "" {
		if _, _, err := net.SplitHostPort(c.PublicListen); err != nil {
			add("public_listen", "public_listen %q: want HOST:PORT, such as 0.0.0.0:8026", c.PublicListen)
		}
		if c.PublicURL == "" {
			add("public_url", "public_listen without public_url: the unsubscribe links need the URL the endpoint is reached at")
		}
	}
}

func checkDKIM(d dkimConfig, add addFunc) {
	set := 0
	for _, v := range []string{d.Domain, d.Selector, d.PrivateKeyFile} {
		if v != "" {
			set++
		}
	}
	if set != 0 && set != 3 {
		add("dkim", "dkim needs domain, selector and private_key_file together")
	}
}

// retention is how long raw messages are kept: a duration, or 0 for ever.
func retention(c *fileConfig) (time.Duration, error) {
	v := c.Retention
	if v == "" {
		v = defaultRetention
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("retention %q: want a duration such as 2160h (90 days), or 0 to keep raw messages for ever", c.Retention)
	}
	return d, nil
}
