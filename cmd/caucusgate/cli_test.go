package main

import (
	"strings"
	"testing"
	"time"
)

// TestFlagsBeforeOrAfterVerb: `queue list -config F` is `queue -config F
// list`, for every command with verbs; neither reads ./caucusgate.yaml.
func TestFlagsBeforeOrAfterVerb(t *testing.T) {
	_, config := cliWorld(t, "caucuses:\n  - {id: gender, name: Gender Caucus, address: gender@example.net}\n")
	for _, line := range [][]string{
		{"queue", "list", "-config", config},
		{"queue", "-config", config, "list"},
		{"queue", "list", "-json", "-config", config, "-state", "failed"},
		{"held", "list", "-config", config, "-json"},
		{"held", "-json", "replies", "-config", config},
		{"schedule", "list", "-config", config},
		{"schedule", "-config", config, "list", "-json"},
	} {
		if status, _, stderr := runCLI(t, line...); status != 0 {
			t.Errorf("%q: status %d, stderr %s", line, status, stderr)
		}
	}
}

func TestAnotherVerbsFlagIsRefused(t *testing.T) {
	status, _, stderr := runCLI(t, "held", "list", "-reason", "x", "-config", "nowhere.yaml")
	if status != 2 || !strings.Contains(stderr, "-reason") {
		t.Fatalf("status %d, stderr %s; want 2 naming -reason", status, stderr)
	}
}

func TestUnknownVerbSuggests(t *testing.T) {
	status, _, stderr := runCLI(t, "queue", "lsit", "-config", "nowhere.yaml")
	if status != 2 || !strings.Contains(stderr, "did you mean list?") || !strings.Contains(stderr, "retry ID") {
		t.Fatalf("status %d, stderr %s", status, stderr)
	}
}

// TestHelpOfEveryCommand: -h and `help CMD` show a command's verbs, flags
// and an example, on stdout, exit 0.
func TestHelpOfEveryCommand(t *testing.T) {
	for _, s := range commandSpecs(cliIO{}) {
		for _, line := range [][]string{{s.name, "-h"}, {"help", s.name}} {
			status, stdout, stderr := runCLI(t, line...)
			if status != 0 || stderr != "" {
				t.Errorf("%q: status %d, stderr %s", line, status, stderr)
			}
			if !strings.Contains(stdout, "Example:\n  caucusgate "+s.name) {
				t.Errorf("%q: no example:\n%s", line, stdout)
			}
			for _, v := range s.verbs {
				if !strings.Contains(stdout, "\n  "+strings.TrimSpace(v.name+" "+v.args)+" ") {
					t.Errorf("%q: verb %s not listed:\n%s", line, v.name, stdout)
				}
			}
			if s.flags != nil && !strings.Contains(stdout, "Flags") {
				t.Errorf("%q: no flags listed:\n%s", line, stdout)
			}
		}
	}
	status, stdout, _ := runCLI(t, "queue", "list", "-h")
	if status != 0 || !strings.Contains(stdout, "-state") || !strings.Contains(stdout, "-config") || !strings.Contains(stdout, "retry ID") {
		t.Errorf("queue list -h: status %d:\n%s", status, stdout)
	}
	if status, _, stderr := runCLI(t, "help", "queu"); status != 2 || !strings.Contains(stderr, "did you mean queue?") {
		t.Errorf("help queu: status %d, %s", status, stderr)
	}
}

func TestVersionFlags(t *testing.T) {
	for _, arg := range []string{"version", "-version", "--version"} {
		status, stdout, _ := runCLI(t, arg)
		if status != 0 || !strings.HasPrefix(stdout, "caucusgate ") || !strings.Contains(stdout, "\n  revision ") || !strings.Contains(stdout, "\n  go go1.") {
			t.Errorf("%s: status %d:\n%s", arg, status, stdout)
		}
		if strings.HasPrefix(stdout, "caucusgate (devel)\n") {
			t.Errorf("%s: just (devel):\n%s", arg, stdout)
		}
	}
}

// TestQueueListUnknownState: a misspelt state is a usage error naming the
// valid ones, not an empty table.
func TestQueueListUnknownState(t *testing.T) {
	status, stdout, stderr := runCLI(t, "queue", "list", "-state", "pendng", "-config", "nowhere.yaml")
	if status != 2 || stdout != "" || !strings.Contains(stderr, "did you mean pending?") || !strings.Contains(stderr, "pending, sent, failed, cancelled") {
		t.Fatalf("status %d, stdout %q, stderr %s", status, stdout, stderr)
	}
}

func TestTimesCarryTheirZone(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	if got, want := when(at, nil), at.Local().Format("2006-01-02 15:04:05 ")+at.Local().Format("MST"); got != want || strings.Count(got, " ") != 2 {
		t.Fatalf("when = %q, want %q", got, want)
	}
}
