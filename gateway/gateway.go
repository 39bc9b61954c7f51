package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	"caucusgate/gateway/compose"
	"caucusgate/gateway/imapwatch"
	invitations "caucusgate/gateway/invitation"
	"caucusgate/gateway/metrics"
	"caucusgate/gateway/smtprelay"
	"caucusgate/gateway/token"
	"caucusgate/gateway/unsubscribe"
	"caucusgate/queue"
)

// Config wires a Gateway. The command line builds it from the config file;
// tests and the demo build it directly.
type Config struct {
	Store    *queue.Store // opened and migrated by the caller, closed by it too
	Rules    *RulesHolder
	Accounts []Account
	Relay    smtprelay.Config
	Logger   *slog.Logger     // default: discard
	Now      func() time.Time // default time.Now
	// StopGrace is how long a stop waits for deliveries in flight before
	// cancelling them (they are then retried); default 30s.
	StopGrace time.Duration
	// Resolver looks up DMARC policies for from_rewrite: dmarc; nil is the
	// system's resolver.
	Resolver compose.Resolver
	// Retention is how long the raw bytes of a message are kept once
	// nothing needs them any more (deliveries final, no moderator or slot
	// waiting); zero keeps them forever. The record that a message was
	// processed is kept regardless: it is what prevents a second forward.
	Retention time.Duration
	// Notify is the admins' address, told of failed deliveries and tripped
	// circuit breakers.
	Notify string
	// BounceScoring is how bounces disable roster addresses; zero:
	// Mailman 3's defaults (5.0, 7 days).
	BounceScoring queue.BounceScoring
	// Location is the zone the notices it mails show times in, labelled
	// (display_timezone); nil: the host's zone.
	Location *time.Location
	// DKIM, when set, signs everything the gateway sends.
	DKIM compose.Signer
	// PublicURL is the base of the one-click unsubscribe links of roster
	// copies (RFC 8058), served on the public listener; nil: mailto only.
	PublicURL *url.URL
	// Metrics, when set, counts what the gateway does for Prometheus.
	Metrics *metrics.Metrics
	// OnDecision, when set, is told of every message committed: the demo
	// prints them, metrics count them. It must not block.
	OnDecision func(Decided)
	// OncePoll is how often `run -once` looks whether the queue has drained;
	// default 100ms.
	OncePoll time.Duration
	// Invitations are the settings of invitation tracking (display zone,
	// short notice); nil takes the defaults.
	Invitations *invitations.Options
	// ListConfirmWithin is how long a copy to a list caucus may go
	// unconfirmed (not seen back through the list, no notice) before it
	// shows "not seen on the list" and Notify is told (lists.confirm_within);
	// zero: 6h; negative: never.
	ListConfirmWithin time.Duration
}

// Account is one bureau mailbox account.
type Account struct {
	Name      string
	Address   string // the gateway's own address on this account
	Mailboxes []string
	// Watch is the template of each mailbox's supervisor; Account,
	// Mailbox and Sink are filled in per mailbox.
	Watch imapwatch.Config
}

// Gateway is the daemon.
type Gateway struct {
	cfg      Config
	log      *slog.Logger
	events   *events
	instance string // holds this process's mailbox leases
	health   *health
	dmarc    *compose.DMARC // answers cached for dmarcTTL
}

// New checks cfg and returns a Gateway ready to Run or RunOnce.
func New(cfg Config) (*Gateway, error) {
	if cfg.Store == nil || cfg.Rules == nil || cfg.Rules.Current() == nil {
		return nil, errors.New("new gateway: a store and a rule set are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.StopGrace = orDefault(cfg.StopGrace, 30*time.Second)
	cfg.OncePoll = orDefault(cfg.OncePoll, 100*time.Millisecond)
	instance, err := newInstanceName()
	if err != nil {
		return nil, err
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	return &Gateway{cfg: cfg, log: cfg.Logger, events: newEvents(cfg.Metrics), instance: instance, health: newHealth(),
		dmarc: compose.NewDMARC(cfg.Resolver, cfg.Now, dmarcTTL)}, nil
}

// dmarcTTL is how long a domain's DMARC policy is trusted: the system
// resolver gives no record TTL, and policies change seldom.
const dmarcTTL = time.Hour

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Summary reports what the gateway did since it started.
func (g *Gateway) Summary() Summary { return g.events.summary() }

// Run is the daemon: it watches every mailbox and delivers until ctx ends,
// then stops cleanly (deliveries in flight finish, or are cancelled after
// the grace period and retried at the next start).
func (g *Gateway) Run(ctx context.Context) error {
	return g.withPipeline(ctx, func(ctx context.Context, sups []*mailboxWatch, sched *scheduler) error {
		var wg sync.WaitGroup
		for _, s := range sups {
			wg.Go(func() { g.supervise(ctx, s) })
		}
		wg.Go(func() { sched.loop(ctx) })
		wg.Go(func() { g.housekeeping(ctx) })
		<-ctx.Done()
		wg.Wait()
		return nil
	})
}

// RunOnce takes what is in the mailboxes now, makes every delivery attempt
// that is due (work reclaimed from a crashed run included), and returns. It
// fails when a mailbox could not be read or a delivery failed permanently.
func (g *Gateway) RunOnce(ctx context.Context) (Summary, error) {
	err := g.withPipeline(ctx, func(ctx context.Context, sups []*mailboxWatch, sched *scheduler) error {
		syncErr := g.syncLeased(ctx, sups)
		if err := sched.pass(ctx); err != nil {
			syncErr = errors.Join(syncErr, err)
		}
		if err := g.drain(ctx); err != nil {
			return errors.Join(syncErr, err)
		}
		return syncErr
	})
	s := g.Summary()
	if err == nil && s.Failed > 0 {
		err = fmt.Errorf("%d deliveries failed permanently", s.Failed)
	}
	return s, err
}

// withPipeline claims the store for this daemon (reclaiming what a killed
// one left in flight), starts the relay and the delivery workers, runs fn,
// and stops them all.
func (g *Gateway) withPipeline(ctx context.Context, fn func(context.Context, []*mailboxWatch, *scheduler) error) error {
	release, err := g.cfg.Store.ClaimDaemon(ctx)
	if err != nil {
		return fmt.Errorf("claim store: %w", err)
	}
	defer release()
	tokens, err := g.keyring(ctx)
	if err != nil {
		return err
	}
	relay, err := smtprelay.New(g.relayConfig())
	if err != nil {
		return fmt.Errorf("start relay: %w", err)
	}
	defer relay.Close()
	sups, err := g.supervisors(tokens)
	if err != nil {
		return err
	}
	// The workers outlive ctx: a stop lets deliveries in flight finish
	// (stopWorkers, StopGrace) rather than cutting an SMTP transaction the
	// relay may already have accepted, which would send it again.
	if err := g.cfg.Store.Start(context.WithoutCancel(ctx), &deliverer{now: g.cfg.Now, store: g.cfg.Store, relay: relay, signer: g.cfg.DKIM, notify: g.cfg.Notify, loc: g.location(), tokens: tokens, log: g.log, events: g.events}); err != nil {
		return fmt.Errorf("start delivery workers: %w", err)
	}
	runErr := fn(ctx, sups, g.scheduler(relay, tokens))
	return errors.Join(runErr, g.stopWorkers())
}

func (g *Gateway) scheduler(relay *smtprelay.Relay, tokens *token.Keyring) *scheduler {
	accounts := map[string]Account{}
	for _, a := range g.cfg.Accounts {
		accounts[a.Name] = a
	}
	return &scheduler{store: g.cfg.Store, relay: relay, signer: g.cfg.DKIM, rules: g.cfg.Rules, accounts: accounts,
		instance: g.cfg.Store.InstanceID(), now: g.cfg.Now, log: g.log, metrics: g.cfg.Metrics, tokens: tokens,
		invitations: g.cfg.Invitations}
}

func (g *Gateway) relayConfig() smtprelay.Config {
	c := g.cfg.Relay
	if c.Logger == nil {
		c.Logger = g.log
	}
	if c.Now == nil {
		c.Now = g.cfg.Now
	}
	return c
}

func (g *Gateway) stopWorkers() error {
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.StopGrace)
	defer cancel()
	if err := g.cfg.Store.Stop(ctx); err != nil {
		return fmt.Errorf("stop delivery workers: %w", err)
	}
	return nil
}

func (g *Gateway) supervisors(tokens *token.Keyring) ([]*mailboxWatch, error) {
	var sups []*mailboxWatch
	reader := invitations.NewReader(g.cfg.Invitations)
	for _, acct := range g.cfg.Accounts {
		sink := &intake{account: acct, store: g.cfg.Store, rules: g.cfg.Rules, log: g.log, now: g.cfg.Now,
			events: g.events, tokens: tokens, dmarc: g.dmarc, resolver: g.cfg.Resolver, onDecision: g.cfg.OnDecision, moderation: g.Moderation(),
			links: g.unsubscribeLinks(tokens, acct), notify: g.cfg.Notify, bounceScoring: g.cfg.BounceScoring}
		sink.moderation.links = sink.links
		sink.invitations = reader
		for _, mailbox := range acct.Mailboxes {
			c := acct.Watch
			c.Account, c.Mailbox, c.Sink = acct.Name, mailbox, sink
			if c.SpoolDir == "" {
				// The store links a spooled message's file as its own.
				c.SpoolDir = g.cfg.Store.SpoolDir()
			}
			if c.Logger == nil {
				c.Logger = g.log
			}
			var next imapwatch.Observer
			if g.cfg.Metrics != nil {
				next = g.cfg.Metrics.Mailbox(acct.Name, mailbox)
			}
			c.Observer = g.health.watch(acct.Name+"/"+mailbox, syncInterval(c), g.cfg.Now(), next)
			s, err := imapwatch.New(c)
			if err != nil {
				return nil, fmt.Errorf("account %s mailbox %s: %w", acct.Name, mailbox, err)
			}
			sups = append(sups, &mailboxWatch{name: acct.Name + "/" + mailbox, sup: s})
		}
	}
	return sups, nil
}

// syncInterval is how often a mailbox reports a sync when all is well: at
// each poll, or at each IDLE restart.
func syncInterval(c imapwatch.Config) time.Duration {
	if c.IDLE {
		return orDefault(c.IdleRestart, imapwatch.DefaultIdleRestart)
	}
	return orDefault(c.PollInterval, imapwatch.DefaultPollInterval)
}

// drain waits until no delivery is due: everything due was attempted, and
// what failed temporarily waits for its next attempt.
func (g *Gateway) drain(ctx context.Context) error {
	t := time.NewTicker(g.cfg.OncePoll)
	defer t.Stop()
	for {
		if _, err := g.cfg.Store.PromoteDue(ctx); err != nil {
			return fmt.Errorf("drain queue: %w", err)
		}
		idle, err := g.cfg.Store.Idle(ctx)
		if err != nil {
			return fmt.Errorf("drain queue: %w", err)
		}
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// tokenSecret names the store's key that signs Reply-To, VERP and
// moderation tokens; it is created at the first start and kept there, so
// tokens in mail already sent stay valid across restarts and instances.
const tokenSecret = "tokens"

// Keyring returns the keys that sign the gateway's tokens, creating them in
// the store at the first start.
func (g *Gateway) Keyring(ctx context.Context) (*token.Keyring, error) { return g.keyring(ctx) }

// unsubscribeLinks makes a roster member's List-Unsubscribe URIs.
func (g *Gateway) unsubscribeLinks(tokens *token.Keyring, acct Account) func(caucus, member string) (string, string) {
	cfg := unsubscribe.Config{Keyring: tokens, PublicURL: g.cfg.PublicURL, Now: g.cfg.Now}
	return func(caucus, member string) (string, string) {
		return unsubscribe.Links(cfg, caucus, member, acct.Address)
	}
}

func (g *Gateway) keyring(ctx context.Context) (*token.Keyring, error) {
	if _, err := g.cfg.Store.Secret(ctx, tokenSecret, 32); err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	keys, err := g.cfg.Store.SecretKeys(ctx, tokenSecret)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	return token.NewKeyring(keys...)
}

// mailboxWatch is one mailbox's supervisor and the name its lease and logs use.
type mailboxWatch struct {
	name string // account/mailbox
	sup  *imapwatch.Supervisor
}

func newInstanceName() (string, error) {
	host, _ := os.Hostname()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("new instance name: %w", err)
	}
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:])), nil
}

// location is the zone of the times the notices show (Config.Location).
func (g *Gateway) location() *time.Location {
	if g.cfg.Location == nil {
		return time.Local
	}
	return g.cfg.Location
}
