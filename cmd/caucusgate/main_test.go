package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runCLI runs one command line in-process and returns its exit status and
// output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	status := runMain(context.Background(), args, &stdout, &stderr)
	return status, stdout.String(), stderr.String()
}

func TestCheckGolden(t *testing.T) {
	t.Setenv("BUREAU_PASSWORD", "x")
	files, err := filepath.Glob("testdata/check/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if filepath.Base(file) == "rules.yaml" {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			status, stdout, stderr := runCLI(t, "check", "-config", file)
			got := stdout + stderr
			golden := strings.TrimSuffix(file, ".yaml") + ".out"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("check %s output:\n%s\nwant:\n%s", file, got, want)
			}
			wantStatus := 0
			if strings.Contains(string(want), ": error: ") || strings.Contains(string(want), "errors") {
				wantStatus = 2
			}
			if status != wantStatus {
				t.Errorf("exit status %d, want %d", status, wantStatus)
			}
		})
	}
}

func TestCheckThreeMistakesThreeLines(t *testing.T) {
	t.Setenv("BUREAU_PASSWORD", "x")
	status, stdout, _ := runCLI(t, "check", "-config", "testdata/check/three-mistakes.yaml")
	if status != 2 {
		t.Fatalf("exit status %d, want 2", status)
	}
	var located []string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "testdata/check/three-mistakes.yaml:") {
			located = append(located, line)
		}
	}
	if len(located) != 3 {
		t.Fatalf("got %d FILE:LINE:COLUMN lines, want 3:\n%s", len(located), stdout)
	}
	for _, want := range []string{":4:", ":8:", ":9:"} {
		if !strings.Contains(strings.Join(located, "\n"), want) {
			t.Errorf("no problem reported on line %s:\n%s", want, stdout)
		}
	}
}

func TestUnknownCommandIsUsageError(t *testing.T) {
	if status, _, stderr := runCLI(t, "frobnicate"); status != 2 || !strings.Contains(stderr, "unknown command") {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
}

func TestMissingConfigIsUsageError(t *testing.T) {
	if status, _, stderr := runCLI(t, "check", "-config", "testdata/nonexistent.yaml"); status != 2 || !strings.Contains(stderr, "nonexistent.yaml") {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
}

// TestExamplesCheck keeps the shipped examples valid, with the secret files
// they name (under /etc/caucusgate) made in a folder of the test's.
func TestExamplesCheck(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../examples/caucusgate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range regexp.MustCompile(`/etc/caucusgate/[\w.-]+`).FindAllString(string(src), -1) {
		write(t, filepath.Join(dir, filepath.Base(f)), "secret\n")
	}
	write(t, filepath.Join(dir, "caucusgate.yaml"), strings.ReplaceAll(string(src), "/etc/caucusgate/", dir+"/"))
	rules, err := os.ReadFile("../../examples/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "rules.yaml"), string(rules))
	status, stdout, stderr := runCLI(t, "check", "-config", filepath.Join(dir, "caucusgate.yaml"))
	if status != 0 || strings.Contains(stdout, ": error") || strings.Contains(stdout, "errors") {
		t.Fatalf("check examples: status %d\n%s%s", status, stdout, stderr)
	}
}

// TestCheckReportsConfigAndRulesTogether: one check shows the problems of
// both files, not one file a round.
func TestCheckReportsConfigAndRulesTogether(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "c.yaml")
	write(t, config, "accounts:\n  - name: b\n    imap: imap://127.0.0.1:1\n    address: b@example.org\nrelay:\n  url: smtp://127.0.0.1:2\nretention: forever\n")
	write(t, filepath.Join(dir, "rules.yaml"), "caucuses:\n  - {id: g, name: G, address: g@example.org}\nforwarding:\n  verp: sometimes\n")
	status, stdout, _ := runCLI(t, "check", "-config", config)
	if status != 2 || !strings.Contains(stdout, "c.yaml:7:") || !strings.Contains(stdout, "rules.yaml:4:") {
		t.Fatalf("status %d, want both files' problems:\n%s", status, stdout)
	}
}

// TestCheckSummaryOnItsOwnLine: the summary follows the last caret line
// on the same stream, after a blank line, never glued to it.
func TestCheckSummaryOnItsOwnLine(t *testing.T) {
	t.Setenv("BUREAU_PASSWORD", "x")
	status, stdout, stderr := runCLI(t, "check", "-config", "testdata/check/three-mistakes.yaml")
	if status != 2 || stderr != "" || !strings.Contains(stdout, "^\n\ncaucusgate: testdata/check/three-mistakes.yaml and its rules file: 3 errors\n") {
		t.Fatalf("status %d, stderr %q, stdout:\n%s", status, stderr, stdout)
	}
}

// TestCheckSecretSources: check fails (exit 2) on a password_file, key or
// certificate that cannot be read, warns of an unset password_env, and
// masks secret values in the lines it shows.
func TestCheckSecretSources(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "rules.yaml"), "caucuses:\n  - {id: g, name: G, address: g@example.org}\n")
	base := "accounts:\n  - name: b\n    imap: imap://127.0.0.1:1\n    username: b\n    address: b@example.org\n"
	for _, tc := range []struct {
		name, config, want string
		status             int
	}{
		{"missing password_file", base + "    password_file: nope.txt\nrelay:\n  url: smtp://127.0.0.1:2\n", "c.yaml:6:20: password_file: open " + filepath.Join(dir, "nope.txt"), 2},
		{"empty password_file", base + "    password_file: empty.txt\nrelay:\n  url: smtp://127.0.0.1:2\n", "password_file: " + filepath.Join(dir, "empty.txt") + " is empty", 2},
		{"unset password_env", base + "    password_env: CAUCUSGATE_TEST_UNSET\nrelay:\n  url: smtp://127.0.0.1:2\n", "warning: environment variable CAUCUSGATE_TEST_UNSET is not set here", 0},
		{"missing tls_key", base + "    password_file: pw.txt\nrelay:\n  url: smtp://127.0.0.1:2\nadmin:\n  username: a\n  password_file: pw.txt\n  tls_cert: pw.txt\n  tls_key: key.pem\n", "tls_key: open ", 2},
		{"masked", base + "    password_file: pw.txt\nrelay:\n  url: smtps://user:hunter2@127.0.0.1:2\n  password: hunter2\n", "url: smtps://user:********@127.0.0.1:2", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write(t, filepath.Join(dir, "pw.txt"), "s3cret\n")
			write(t, filepath.Join(dir, "empty.txt"), "")
			config := filepath.Join(dir, "c.yaml")
			write(t, config, tc.config)
			status, stdout, stderr := runCLI(t, "check", "-config", config)
			if status != tc.status || !strings.Contains(stdout, tc.want) {
				t.Fatalf("status %d, want %d and %q:\n%s%s", status, tc.status, tc.want, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, "hunter2") {
				t.Fatalf("a secret shown:\n%s", stdout)
			}
		})
	}
}
