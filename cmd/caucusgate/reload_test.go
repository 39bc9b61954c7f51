package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"caucusgate/gateway"
	"caucusgate/rules"
)

const reloadRulesV1 = `caucuses:
  - {id: gender, name: Gender Caucus, address: gender@example.net}
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [gender]
`

const reloadRulesV2 = `caucuses:
  - {id: gender, name: Gender Caucus, address: gender@example.net}
  - {id: education, name: Education Caucus, address: education@example.net}
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [gender, education]
`

// waitFor polls cond; the timeout is a failure budget, not a measurement.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRulesReloadOnFileChange(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	write(t, path, reloadRulesV1)
	set, diags := rules.Parse(path, []byte(reloadRulesV1))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	holder := gateway.NewRulesHolder(set)
	holder.Loaded(set, path, rulesVersion([]byte(reloadRulesV1)), time.Now())
	r := &rulesReloader{path: path, holder: holder, log: slog.New(slog.DiscardHandler), now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.watch(ctx); err != nil {
		t.Fatal(err)
	}

	// A bad edit, saved the way editors do (write a new file, rename it over
	// the old one): the old rules stay in force and the status says why.
	saveByRename(t, path, "caucuses:\n  - {id: gender, name: Gender Caucus, address: gender@example.net}\nrules:\n  - name: itu\n    when: {from: \"*@itu.int\"}\n    forward: [gendr]\n")
	waitFor(t, "the failed reload to be recorded", func() bool { return !holder.Status().OK() })
	if holder.Current() != set {
		t.Fatal("a bad edit replaced the rules in force")
	}
	if p := holder.Status().Problems; len(p) == 0 {
		t.Fatal("no problem recorded for the bad edit")
	}

	// A good edit takes effect without a restart.
	saveByRename(t, path, reloadRulesV2)
	waitFor(t, "the good edit to take effect", func() bool { return holder.Current() != set })
	if _, ok := holder.Current().Caucus("education"); !ok || !holder.Status().OK() {
		t.Fatalf("new rules not in force: status %+v", holder.Status())
	}
}

func saveByRename(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".swp"
	write(t, tmp, content)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
