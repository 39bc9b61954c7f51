package main

import (
	"os"
	"strings"
	"testing"
)

// check -online logs in and looks done_mailbox up; plain check does not.
func TestCheckOnlineTriesDoneMailbox(t *testing.T) {
	_, config, _ := replayWorld(t)
	src, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	withDone := strings.Replace(string(src), "    address: bureau@example.org\n",
		"    address: bureau@example.org\n    done_mailbox: Processed\n", 1)
	write(t, config, withDone)
	status, stdout, stderr := runCLI(t, "check", "-config", config, "-online")
	if status != 0 || !strings.Contains(stdout, `done_mailbox "Processed": ok`) {
		t.Fatalf("check -online: status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	t.Setenv("REPLAY_PASSWORD", "wrong")
	if status, _, _ := runCLI(t, "check", "-config", config); status != 0 {
		t.Errorf("plain check logged in: status %d", status)
	}
	if status, _, stderr := runCLI(t, "check", "-config", config, "-online"); status != 1 || !strings.Contains(stderr, "bureau") {
		t.Errorf("check -online with a bad password: status %d, stderr %q; want 1 naming the account", status, stderr)
	}
}
