package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"caucusgate/queue"
)

const membersRules = `caucuses:
  - {id: education, name: Education Caucus, members: [ana@example.net, bo@example.net]}
  - {id: climate, name: Climate Caucus, members: [ana@example.net]}
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [education]
`

// TestMembersListEnable: `members list` shows every roster address with
// its state, score, last bounce and caucuses; `members enable` re-enables
// an address its bounces disabled.
func TestMembersListEnable(t *testing.T) {
	_, config := cliWorld(t, membersRules)
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: %d %s", status, stderr)
	}
	disable(t, config, "ana@example.net")
	rows := membersList(t, config)
	want := map[string]string{"ana@example.net": "disabled 5 education,climate", "bo@example.net": "enabled 0 education"}
	if len(rows) != 2 {
		t.Fatalf("members list: %+v, want ana and bo", rows)
	}
	for _, r := range rows {
		got := strings.Join([]string{r.State, jsonNumber(r.Score), strings.Join(r.Caucuses, ",")}, " ")
		if got != want[r.Address] {
			t.Errorf("%s: %q, want %q", r.Address, got, want[r.Address])
		}
	}
	if status, out, stderr := runCLI(t, "members", "enable", "ANA@example.net", "-config", config); status != 0 || !strings.Contains(out, "enabled") {
		t.Fatalf("members enable: %d %s %s", status, out, stderr)
	}
	for _, r := range membersList(t, config) {
		if r.State != "enabled" {
			t.Errorf("after enable %s is %s", r.Address, r.State)
		}
	}
	if status, out, _ := runCLI(t, "members", "-config", config, "list"); status != 0 || !strings.Contains(out, "ADDRESS") || !strings.Contains(out, "climate") {
		t.Errorf("members list (table): %d\n%s", status, out)
	}
	if status, _, _ := runCLI(t, "members", "-config", config, "enable"); status != 2 {
		t.Errorf("members enable without an address: status %d, want 2", status)
	}
}

func jsonNumber(f float64) string { b, _ := json.Marshal(f); return string(b) }

// disable records five scored bounces of address on five days.
func disable(t *testing.T, config, address string) {
	t.Helper()
	cfg, err := loadConfig(config, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	store, err := openStoreCLI(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		b := queue.Bounce{Member: address, Caucus: "education", Class: queue.BounceHard, At: at.Add(time.Duration(i) * 25 * time.Hour),
			Scoring: &queue.BounceScoring{}}
		if err := store.RecordBounce(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
}

func membersList(t *testing.T, config string) []memberRow {
	t.Helper()
	status, stdout, stderr := runCLI(t, "members", "list", "-json", "-config", config)
	if status != 0 {
		t.Fatalf("members list: %d %s", status, stderr)
	}
	var out []memberRow
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r memberRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// TestKeysRotate: each rotation adds a key, and the older keys keep
// verifying.
func TestKeysRotate(t *testing.T) {
	_, config := cliWorld(t, membersRules)
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: %d %s", status, stderr)
	}
	for _, want := range []string{"2 keys verify", "3 keys verify"} {
		status, out, stderr := runCLI(t, "keys", "rotate", "-config", config)
		if status != 0 || !strings.Contains(out, want) {
			t.Errorf("keys rotate: %d %q %s; want %q", status, out, stderr, want)
		}
	}
}
