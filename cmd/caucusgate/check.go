package main

import (
	"context"
	"flag"
	"fmt"
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
	cfg, err := loadConfig(*configPath, c.stdout)
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
