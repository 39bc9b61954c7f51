package main

import (
	"context"
	"fmt"

	"caucusgate/internal/buildinfo"
)

// newVersionCommand is `caucusgate version` (and -version, --version): the
// module version, the VCS revision it was built from and whether the tree
// was dirty, the Go version, and the libraries that matter in a bug report.
func newVersionCommand(o cliIO) *spec {
	return &spec{
		name:    "version",
		summary: "version, VCS revision and Go version",
		example: "caucusgate version",
		run: func(ctx context.Context, args []string) error {
			if err := noArgs("version", args); err != nil {
				return err
			}
			writeVersion(o, buildinfo.Read())
			return nil
		},
	}
}

func writeVersion(o cliIO, info buildinfo.Info) {
	fmt.Fprintf(o.stdout, "caucusgate %s\n", info.Version)
	dirty := ""
	if info.Modified {
		dirty = " (dirty: uncommitted changes)"
	}
	fmt.Fprintf(o.stdout, "  revision %s%s\n", info.Revision, dirty)
	if info.Time != "" {
		fmt.Fprintf(o.stdout, "  committed %s\n", info.Time)
	}
	fmt.Fprintf(o.stdout, "  go %s\n", info.GoVersion)
	for _, d := range info.Deps {
		if isKeyDependency(d.Path) {
			fmt.Fprintf(o.stdout, "  %s %s\n", d.Path, d.Version)
		}
	}
}

func isKeyDependency(path string) bool {
	switch path {
	case "github.com/emersion/go-imap/v2", "github.com/emersion/go-smtp", "github.com/emersion/go-message",
		"github.com/riverqueue/river", "modernc.org/sqlite", "github.com/jackc/pgx/v5", "github.com/robfig/cron/v3":
		return true
	}
	return false
}
