package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

type versionCommand struct{ stdout io.Writer }

// Run prints the module version, the VCS revision it was built from and the
// versions of the libraries that matter when reporting a bug.
func (c *versionCommand) Run(ctx context.Context, args []string) error {
	if err := parseFlags(newFlagSet("version", c.stdout), args); err != nil {
		return err
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(c.stdout, "caucusgate (no build information)")
		return nil
	}
	fmt.Fprintf(c.stdout, "caucusgate %s %s\n", info.Main.Version, info.GoVersion)
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "vcs.modified" {
			fmt.Fprintf(c.stdout, "  %s %s\n", s.Key, s.Value)
		}
	}
	for _, d := range info.Deps {
		if isKeyDependency(d.Path) {
			fmt.Fprintf(c.stdout, "  %s %s\n", d.Path, d.Version)
		}
	}
	return nil
}

func isKeyDependency(path string) bool {
	switch path {
	case "github.com/emersion/go-imap/v2", "github.com/emersion/go-smtp", "github.com/emersion/go-message",
		"github.com/riverqueue/river", "modernc.org/sqlite", "github.com/jackc/pgx/v5", "github.com/robfig/cron/v3":
		return true
	}
	return false
}
