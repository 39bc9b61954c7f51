package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
)

// replayWorld is a bureau mailbox in an in-process IMAP server, and a
// config and rules file pointing at it.
func replayWorld(t *testing.T) (world *mailsim.World, config, dir string) {
	t.Helper()
	world, err := mailsim.Start(mailsim.Options{Users: []string{"bureau@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { world.Close() })
	for i, from := range []string{"events@itu.int", "events@itu.int", "ed@unesco.org", "news@catering.example.com"} {
		raw := fmt.Sprintf("From: %s\r\nTo: bureau@example.org\r\nSubject: Invitation %d\r\nMessage-ID: <r%d@x>\r\n\r\nbody\r\n", from, i, i)
		if err := world.Append("bureau@example.org", "INBOX", []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	dir = t.TempDir()
	write(t, filepath.Join(dir, "caucusgate.yaml"), fmt.Sprintf(`accounts:
  - name: bureau
    imap: imap://%s
    username: bureau@example.org
    password_env: REPLAY_PASSWORD
    address: bureau@example.org
relay:
  url: smtp://%s
`, world.IMAPAddr, world.SMTPAddr))
	write(t, filepath.Join(dir, "rules.yaml"), `caucuses:
  - {id: gender, name: Gender Caucus, address: gender@example.net}
  - {id: education, name: Education Caucus, address: education@example.net}
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [gender]
`)
	t.Setenv("REPLAY_PASSWORD", mailsim.Password)
	return world, filepath.Join(dir, "caucusgate.yaml"), dir
}

func TestReplayIsReadOnlyAndDecides(t *testing.T) {
	world, config, _ := replayWorld(t)
	status, stdout, stderr := runCLI(t, "replay", "-config", config, "-account", "bureau", "-since", "0", "-json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	var got []replayLine
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var l replayLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		got = append(got, l)
	}
	want := []string{"forward gender", "forward gender", "none", "none"}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(want), stdout)
	}
	for i, l := range got {
		if s := strings.TrimSpace(l.Decision + " " + strings.Join(l.Caucuses, ",")); s != want[i] {
			t.Errorf("message %d (%s): %q, want %q", i, l.MessageID, s, want[i])
		}
	}
	assertUntouched(t, world)
	if len(world.Received()) != 0 {
		t.Errorf("replay sent %d messages", len(world.Received()))
	}
}

func TestReplayWithNewRulesListsChangedDecisions(t *testing.T) {
	world, config, dir := replayWorld(t)
	proposed := filepath.Join(dir, "proposed.yaml")
	write(t, proposed, `caucuses:
  - {id: gender, name: Gender Caucus, address: gender@example.net}
  - {id: education, name: Education Caucus, address: education@example.net}
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [gender]
  - name: unesco
    when: {from: "*@unesco.org"}
    forward: [education]
`)
	status, stdout, stderr := runCLI(t, "replay", "-config", config, "-account", "bureau", "-since", "0", "-rules", proposed, "-json")
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1 {
		t.Fatalf("want exactly the UNESCO message listed, got:\n%s", stdout)
	}
	var l replayLine
	if err := json.Unmarshal([]byte(lines[0]), &l); err != nil {
		t.Fatal(err)
	}
	if l.MessageID != "<r2@x>" || l.Decision != "none" || l.NewDecision == nil || l.NewDecision.Decision != "forward" {
		t.Fatalf("changed decision line %+v", l)
	}
	assertUntouched(t, world)
}

func TestReplayNeedsAccount(t *testing.T) {
	_, config, _ := replayWorld(t)
	if status, _, stderr := runCLI(t, "replay", "-config", config); status != 2 || !strings.Contains(stderr, "-account") {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
}

// assertUntouched checks that the bureau's messages carry no flag at all.
func assertUntouched(t *testing.T, world *mailsim.World) {
	t.Helper()
	flags, err := world.Flags("bureau@example.org", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if len(flags) != 4 {
		t.Fatalf("%d messages in INBOX, want 4", len(flags))
	}
	for uid, fs := range flags {
		if len(fs) != 0 {
			t.Errorf("UID %d has flags %v after replay", uid, fs)
		}
	}
}

func TestTestCommandJSON(t *testing.T) {
	_, config, dir := replayWorld(t)
	msg := filepath.Join(dir, "a.eml")
	if err := os.WriteFile(msg, []byte("From: ITU <events@itu.int>\r\nSubject: Invitation\r\nMessage-ID: <a@itu.int>\r\n\r\nhi\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, stdout, stderr := runCLI(t, "test", "-config", config, "-json", msg)
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	var l decisionLine
	if err := json.Unmarshal([]byte(stdout), &l); err != nil {
		t.Fatalf("%q: %v", stdout, err)
	}
	if l.File != msg || l.MessageID != "<a@itu.int>" || l.Decision != "forward" || strings.Join(l.Caucuses, ",") != "gender" || strings.Join(l.Rules, ",") != "itu" || l.Reason == "" {
		t.Fatalf("test -json: %+v", l)
	}
}
