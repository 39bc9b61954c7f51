package main

import (
	"context"
	"fmt"
	"io"
)

type checkCommand struct{ stdout, stderr io.Writer }

// Run validates the config file and the rules file it names, printing every
// problem as FILE:LINE:COLUMN: message with the line and a caret. Warnings
// alone exit 0.
func (c *checkCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("check", c.stderr)
	configPath := fs.String("config", "caucusgate.yaml", "the config file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, c.stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s: ok (%d accounts, %d caucuses, %d rules)\n",
		*configPath, len(cfg.file.Accounts), len(cfg.rules.Caucuses()), cfg.rules.RuleCount())
	return nil
}
