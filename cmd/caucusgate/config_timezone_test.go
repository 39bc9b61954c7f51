package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestWhenInTheDisplayZone(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zoneinfo on this host")
	}
	for _, c := range []struct {
		loc  *time.Location
		want string
	}{
		{tokyo, "2026-11-24 18:00:00 JST"},
		{time.UTC, "2026-11-24 09:00:00 UTC"},
		{nil, at.Local().Format("2006-01-02 15:04:05 MST")},
	} {
		if got := when(at, c.loc); got != c.want {
			t.Errorf("when(%v) = %q, want %q", c.loc, got, c.want)
		}
	}
	if got := when(time.Time{}, tokyo); got != "-" {
		t.Errorf("zero time: %q", got)
	}
}

func TestDisplayLocation(t *testing.T) {
	if _, err := time.LoadLocation("Europe/Paris"); err != nil {
		t.Skip("no zoneinfo on this host")
	}
	for _, c := range []struct {
		name, want, hint string
	}{
		{"", "Local", ""},
		{"Local", "Local", ""},
		{"UTC", "UTC", ""},
		{"Europe/Paris", "Europe/Paris", ""},
		{"Europe/Pairs", "", "did you mean Europe/Paris?"},
		{"europe/paris", "", "did you mean Europe/Paris?"},
		{"Mars/Olympus", "", ""},
	} {
		loc, err := displayLocation(c.name)
		switch {
		case c.want != "" && (err != nil || loc.String() != c.want):
			t.Errorf("%q: %v %v, want %s", c.name, loc, err, c.want)
		case c.want == "" && err == nil:
			t.Errorf("%q: accepted as %v", c.name, loc)
		case c.want == "" && !strings.Contains(err.Error(), c.hint):
			t.Errorf("%q: %v, want %q", c.name, err, c.hint)
		}
	}
}

// TestDisplayTimezoneRefused: a zone LoadLocation does not know is a
// located config error (exit 2) with a did-you-mean.
func TestDisplayTimezoneRefused(t *testing.T) {
	if _, err := time.LoadLocation("Europe/Paris"); err != nil {
		t.Skip("no zoneinfo on this host")
	}
	_, config := cliWorld(t, membersRules)
	appendTo(t, config, "display_timezone: Europe/Pairs\n")
	status, stdout, stderr := runCLI(t, "check", "-config", config)
	stderr += stdout
	if status != 2 || !regexp.MustCompile(`caucusgate\.yaml:\d+:\d+: .*display_timezone "Europe/Pairs".*did you mean Europe/Paris\?`).MatchString(stderr) {
		t.Fatalf("check: status %d:\n%s", status, stderr)
	}
}

// TestDisplayTimezoneCLI: the CLI's tables show times in display_timezone,
// labelled with it.
func TestDisplayTimezoneCLI(t *testing.T) {
	if _, err := time.LoadLocation("Asia/Tokyo"); err != nil {
		t.Skip("no zoneinfo on this host")
	}
	_, config := cliWorld(t, membersRules)
	appendTo(t, config, "display_timezone: Asia/Tokyo\n")
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: %d %s", status, stderr)
	}
	disable(t, config, "ana@example.net") // last bounce 2026-11-06 13:00 UTC
	status, out, stderr := runCLI(t, "members", "list", "-config", config)
	if status != 0 || !strings.Contains(out, "2026-11-06 22:00:00 JST") {
		t.Fatalf("members list: %d %s\n%s", status, stderr, out)
	}
}

// TestDisplayTimezoneAdmin: the admin pages, as the daemon wires them,
// show times in display_timezone and name it at their foot.
func TestDisplayTimezoneAdmin(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zoneinfo on this host")
	}
	_, config := cliWorld(t, heldRules)
	appendTo(t, config, "display_timezone: Asia/Tokyo\nlisten: 127.0.0.1:0\nadmin:\n  username: admin\n  password_env: ADMIN_PW\n")
	t.Setenv("ADMIN_PW", "s3cret")
	cfg, err := loadConfig(config, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	d, err := openDaemon(ctx, cfg, &loggers{log: quiet, river: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	handler, err := adminHandler(ctx, cfg, d.gateway, d.store, d.registry, quiet)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()
	status, _, page := get(t, srv.URL+"/schedules", "admin", "s3cret")
	if status != 200 || !strings.Contains(page, "Times in Asia/Tokyo") {
		t.Fatalf("/schedules: %d, no \"Times in Asia/Tokyo\":\n%s", status, page)
	}
	// The foot's own time is now, in Tokyo.
	now := time.Now().In(tokyo)
	if !strings.Contains(page, now.Format("2006-01-02 15:04 MST")) && !strings.Contains(page, now.Add(-time.Minute).Format("2006-01-02 15:04 MST")) {
		t.Errorf("/schedules: no time of now in JST:\n%s", page)
	}
}

func appendTo(t *testing.T, path, text string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, string(src)+text)
}
