package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"caucusgate/gateway"
	"caucusgate/gateway/imapwatch"
	"caucusgate/gateway/metrics"
	"caucusgate/gateway/smtprelay"
	"caucusgate/queue"
)

// daemon is a running configuration: the store opened, the gateway wired.
type daemon struct {
	cfg       *config
	log       *slog.Logger
	store     *queue.Store
	storeKind string
	rules     *gateway.RulesHolder
	gateway   *gateway.Gateway
	metrics   *metrics.Metrics
	registry  *prometheus.Registry
}

func openDaemon(ctx context.Context, cfg *config, logs *loggers) (*daemon, error) {
	log := logs.log
	gcfg, err := gatewayConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	gcfg.Now = daemonClock()
	store, err := cfg.openStore(ctx, queue.Options{Logger: log, RiverLogger: logs.river, Workers: cfg.file.Relay.workers(), Now: gcfg.Now})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	gcfg.Store = store
	m, reg := newMetrics(store)
	gcfg.Metrics = m
	g, err := gateway.New(gcfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	if src, err := os.ReadFile(cfg.rulesPath); err == nil {
		version, now := rulesVersion(src), time.Now()
		gcfg.Rules.Loaded(cfg.rules, cfg.rulesPath, version, now)
		m.RulesInForce(version, now)
	}
	return &daemon{cfg: cfg, log: log, store: store, storeKind: store.Dialect(), rules: gcfg.Rules, gateway: g,
		metrics: m, registry: reg}, nil
}

func (d *daemon) close() {
	if err := d.store.Close(); err != nil {
		d.log.Error("close store", "error", err)
	}
}

// gatewayConfig turns the config file into the gateway's Go structs,
// reading secrets from the environment and files.
func gatewayConfig(cfg *config, log *slog.Logger) (gateway.Config, error) {
	relay, err := relaySettings(cfg)
	if err != nil {
		return gateway.Config{}, err
	}
	signer, err := dkimSigner(cfg)
	if err != nil {
		return gateway.Config{}, err
	}
	gc := gateway.Config{Rules: gateway.NewRulesHolder(cfg.rules), Relay: relay, Logger: log, PublicURL: cfg.publicURL(), DKIM: signer,
		Notify: cfg.file.Notify}
	gc.Retention, _ = retention(&cfg.file)         // checked at load
	gc.BounceScoring, _ = bounceScoring(&cfg.file) // checked at load
	gc.Location = cfg.location()
	gc.ListConfirmWithin, _ = cfg.file.Lists.confirmWithin() // checked at load
	gc.Invitations, _ = cfg.file.Invitations.options(cfg.file.DisplayTimezone)
	for _, a := range cfg.file.Accounts {
		acct, err := accountConfigFor(cfg, a)
		if err != nil {
			return gateway.Config{}, err
		}
		gc.Accounts = append(gc.Accounts, acct)
	}
	return gc, nil
}

func accountConfigFor(cfg *config, a accountConfig) (gateway.Account, error) {
	u, _ := parseServerURL(a.IMAP, "imap", "imaps") // checked at load
	password, token, err := cfg.secret("accounts."+a.Name, a.PasswordEnv, a.PasswordFile, a.TokenCommand)
	if err != nil {
		return gateway.Account{}, err
	}
	start, _ := parseStart(a.Start)
	poll, _ := time.ParseDuration(orString(a.PollInterval, defaultPollInterval))
	w := imapwatch.Config{
		URL: u, Username: a.Username, Password: password, Insecure: a.Insecure,
		IDLE: a.IDLE == nil || *a.IDLE, PollInterval: poll, Start: start, DoneMailbox: a.DoneMailbox,
	}
	if token != nil {
		w.Token = token
	}
	mailboxes := a.Mailboxes
	if len(mailboxes) == 0 {
		mailboxes = []string{"INBOX"}
	}
	return gateway.Account{Name: a.Name, Address: strings.ToLower(a.Address), Mailboxes: mailboxes, Watch: w}, nil
}

func relaySettings(cfg *config) (smtprelay.Config, error) {
	r := cfg.file.Relay
	u, _ := parseServerURL(r.URL, "smtp", "smtps") // checked at load
	password, token, err := cfg.secret("relay", r.PasswordEnv, r.PasswordFile, r.TokenCommand)
	if err != nil {
		return smtprelay.Config{}, err
	}
	c := smtprelay.Config{
		URL: u, Username: r.Username, Password: password, Hostname: r.Hostname,
		Sessions: r.Sessions, Rate: r.Rate, DailyLimit: r.DailyLimit, Insecure: r.Insecure,
	}
	if token != nil {
		c.Token = token
	}
	return c, nil
}

// secret reads a password from the environment or a file, or makes a token
// source of a token command. The value is never logged.
func (cfg *config) secret(what, env, file, command string) (string, *gateway.CommandToken, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", nil, fmt.Errorf("%s: environment variable %s (password_env) is not set", what, env)
		}
		return v, nil, nil
	case file != "":
		b, err := os.ReadFile(cfg.resolve(file))
		if err != nil {
			return "", nil, fmt.Errorf("%s: read password_file: %w", what, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil, nil
	case command != "":
		return "", &gateway.CommandToken{Command: []string{"/bin/sh", "-c", command}}, nil
	}
	return "", nil, nil
}

// parseStart reads an account's start: now, all, or a duration such as 720h.
func parseStart(s string) (imapwatch.Start, error) {
	switch s {
	case "", "now":
		return imapwatch.Start{Mode: imapwatch.StartNow}, nil
	case "all":
		return imapwatch.Start{Mode: imapwatch.StartAll}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return imapwatch.Start{}, fmt.Errorf("start %q: want now, all, or a duration such as 720h", s)
	}
	return imapwatch.Start{Mode: imapwatch.StartSince, Since: d}, nil
}

// storeDSN is the store's path resolved against the config file, or its URL.
func (cfg *config) storeDSN() string {
	s := orString(cfg.file.Store, defaultStore)
	if u, err := url.Parse(s); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return s
	}
	return cfg.resolve(s)
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
