package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// newRunCommand is `caucusgate run`: the daemon, or with -once one pass
// over the mailboxes and the due deliveries.
func newRunCommand(o cliIO) *spec {
	c := &runCommand{cliIO: o}
	return &spec{
		name:    "run",
		summary: "the daemon (or one pass with -once)",
		example: "caucusgate run -config /etc/caucusgate/caucusgate.yaml -log-format json",
		flags:   c.flags,
		run:     c.run,
	}
}

type runCommand struct {
	cliIO
	config    string
	once      bool
	logFormat string
	logLevel  string
}

func (c *runCommand) flags(fs *flag.FlagSet) {
	configFlag(fs, &c.config)
	fs.BoolVar(&c.once, "once", false, "take what is in the mailboxes now, make every due delivery attempt, and exit")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json (every line, config warnings included)")
	fs.StringVar(&c.logLevel, "log-level", "info", "least level logged: debug, info, warn or error; River's own logs show below warn only at debug")
}

func (c *runCommand) run(ctx context.Context, args []string) error {
	if err := noArgs("run", args); err != nil {
		return err
	}
	err := c.runDaemon(ctx)
	if !c.once && stopAsked(ctx, err) {
		return nil // SIGINT or SIGTERM, at whatever moment of the start
	}
	return err
}

// stopAsked says whether err is only the daemon's context ending, that is a
// stop the operator asked for, which is a clean exit.
func stopAsked(ctx context.Context, err error) bool {
	return ctx.Err() != nil && errors.Is(err, context.Canceled)
}

func (c *runCommand) runDaemon(ctx context.Context) error {
	configPath, once, logFormat := &c.config, &c.once, &c.logFormat
	logs, err := newLoggers(c.stderr, *logFormat, c.logLevel)
	if err != nil {
		return err
	}
	log := logs.log
	diagOut, flush := logs.configDiagnostics(c.stderr)
	cfg, err := loadConfig(*configPath, diagOut)
	flush()
	if err != nil {
		return err
	}
	d, err := openDaemon(ctx, cfg, logs)
	if err != nil {
		return err
	}
	defer d.close()
	if *once {
		return c.runOnce(ctx, d, log)
	}
	srv, err := startAdmin(ctx, d.cfg, d.gateway, d.store, d.registry, log)
	if err != nil {
		return err
	}
	defer srv.stop()
	public, err := startPublic(ctx, d.cfg, d.gateway, d.store, log)
	if err != nil {
		return err
	}
	defer public.stop()
	reloader := &rulesReloader{path: d.cfg.rulesPath, holder: d.rules, log: log, now: time.Now, metrics: d.metrics}
	if cfg.file.Notify != "" {
		reloader.alert = d.gateway.AlertAdmins
	}
	if err := reloader.watch(ctx); err != nil {
		log.Warn("rules file not watched; reload with SIGHUP", "file", d.cfg.rulesPath, "error", err)
	}
	stopHUP := reloadOnSIGHUP(ctx, reloader)
	defer stopHUP()
	log.Info("caucusgate started", "store", d.storeKind, "accounts", len(cfg.file.Accounts))
	err = d.gateway.Run(ctx)
	log.Info("caucusgate stopped")
	return err
}

func (c *runCommand) runOnce(ctx context.Context, d *daemon, log *slog.Logger) error {
	s, err := d.gateway.RunOnce(ctx)
	log.Info("run -once done", countsAttr("decisions", s.Decisions), "delivered", s.Delivered, "deferred", s.Deferred, "failed", s.Failed)
	return err
}

// reloadOnSIGHUP reloads the rules file when the process gets SIGHUP; a bad
// file keeps the rules in force.
func reloadOnSIGHUP(ctx context.Context, r *rulesReloader) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-ch:
				r.reload(ctx, "SIGHUP")
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}
