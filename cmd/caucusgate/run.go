package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type runCommand struct{ stdout, stderr io.Writer }

// Run starts the daemon, or with -once takes one pass over the mailboxes
// and the due deliveries.
func (c *runCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("run", c.stderr)
	configPath := fs.String("config", "caucusgate.yaml", "the config file")
	once := fs.Bool("once", false, "take what is in the mailboxes now, make every due delivery attempt, and exit")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(c.stderr, *logFormat)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, c.stderr)
	if err != nil {
		return err
	}
	d, err := openDaemon(ctx, cfg, log)
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
	log.Info("run -once done", "decisions", s.Decisions, "delivered", s.Delivered, "deferred", s.Deferred, "failed", s.Failed)
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
				r.reload("SIGHUP")
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, usagef("-log-format %q: want text or json", format)
}
