package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseWrapKey(t *testing.T) {
	want := bytes.Repeat([]byte{0xab}, 32)
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{strings.Repeat("ab", 32) + "\n", true},
		{"  " + strings.Repeat("AB", 32), true},
		{"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n", true},
		{strings.Repeat("ab", 31), false},
		{"", false},
		{"not a key", false},
	} {
		got, err := parseWrapKey(tc.text)
		if tc.ok && (err != nil || !bytes.Equal(got, want)) {
			t.Errorf("parseWrapKey(%q) = %x, %v; want %x", tc.text, got, err, want)
		}
		if !tc.ok && err == nil {
			t.Errorf("parseWrapKey(%q) = %x, want an error", tc.text, got)
		}
	}
}

// TestWrapKeyConfigured (issue 9): with keys.wrap_key_file set, keys made
// before it keep working, and a wrong wrap key stops the command with exit
// status 1 naming the setting instead of making new keys.
func TestWrapKeyConfigured(t *testing.T) {
	_, config := cliWorld(t, membersRules)
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: %d %s", status, stderr)
	}
	keyFile := filepath.Join(filepath.Dir(config), "wrap.key")
	write(t, keyFile, strings.Repeat("5a", 32)+"\n")
	src, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	write(t, config, string(src)+"keys:\n  wrap_key_file: wrap.key\n")
	if status, out, stderr := runCLI(t, "keys", "rotate", "-config", config); status != 0 || !strings.Contains(out, "2 keys verify") {
		t.Fatalf("keys rotate with a wrap key: %d %q %s", status, out, stderr)
	}
	write(t, keyFile, strings.Repeat("a5", 32)+"\n")
	for _, args := range [][]string{{"run", "-once"}, {"keys", "rotate"}} {
		status, _, stderr := runCLI(t, append(args, "-config", config)...)
		if status != 1 || !strings.Contains(stderr, "keys.wrap_key_file") {
			t.Errorf("%s with the wrong wrap key: status %d, stderr %q; want 1 naming keys.wrap_key_file", args, status, stderr)
		}
	}
	write(t, keyFile, strings.Repeat("5a", 32)+"\n")
	if status, out, stderr := runCLI(t, "keys", "rotate", "-config", config); status != 0 || !strings.Contains(out, "3 keys verify") {
		t.Errorf("keys rotate with the right wrap key again: %d %q %s", status, out, stderr)
	}
	if status, stdout, _ := runCLI(t, "check", "-config", config); status != 0 || strings.Contains(stdout, "unencrypted") {
		t.Errorf("check with a wrap key: %d %s", status, stdout)
	}
}

func TestCheckWarnsKeysUnencrypted(t *testing.T) {
	_, config := cliWorld(t, membersRules)
	status, stdout, stderr := runCLI(t, "check", "-config", config)
	if status != 0 || !strings.Contains(stdout, "warning: token signing keys are stored unencrypted") ||
		!strings.Contains(stdout, "openssl rand -hex 32") {
		t.Errorf("check without a wrap key: %d %q %q; want a warning", status, stdout, stderr)
	}
}
