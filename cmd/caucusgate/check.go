package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// newCheckCommand is `caucusgate check`: it validates the config file and
// the rules file it names, printing every problem as FILE:LINE:COLUMN:
// message with the line and a caret. Warnings alone exit 0.
func newCheckCommand(o cliIO) *spec {
	c := &checkCommand{cliIO: o}
	return &spec{
		name:    "check",
		summary: "validate the config, the rules and the secret files they name",
		example: "caucusgate check -config /etc/caucusgate/caucusgate.yaml",
		flags: func(fs *flag.FlagSet) {
			configFlag(fs, &c.config)
			fs.BoolVar(&c.online, "online", false, "also log in to each account and look its done_mailbox up")
		},
		run: c.run,
	}
}

type checkCommand struct {
	cliIO
	config string
	online bool
}

func (c *checkCommand) run(ctx context.Context, args []string) error {
	if err := noArgs("check", args); err != nil {
		return err
	}
	configPath := &c.config
	out := &countingWriter{w: c.stdout}
	cfg, err := loadConfigChecked(*configPath, out, checkSecretSources)
	var usage *usageError
	if errors.As(err, &usage) && out.n > 0 {
		// The summary goes where the problems went, after a blank line:
		// on another stream it could land in the middle of a caret line.
		fmt.Fprintf(c.stdout, "\ncaucusgate: %v\n", err)
		return &usageError{errors.New("")}
	}
	if err != nil {
		return err
	}
	if c.online {
		if err := checkOnline(ctx, cfg, c.stdout); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "%s: ok (%d accounts, %d caucuses, %d rules)\n",
		*configPath, len(cfg.file.Accounts), len(cfg.rules.Caucuses()), cfg.rules.RuleCount())
	return nil
}

// countingWriter counts what passes through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}
