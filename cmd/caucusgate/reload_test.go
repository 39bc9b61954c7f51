package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"caucusgate/gateway"
	"caucusgate/gateway/metrics"
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

// TestRulesRestoredAfterABadEdit: restoring the file in force after a
// refused edit is logged, and the status and metric say the last attempt
// succeeded. Each distinct set of problems is mailed once.
func TestRulesRestoredAfterABadEdit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	write(t, path, reloadRulesV1)
	set, diags := rules.Parse(path, []byte(reloadRulesV1))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	holder := gateway.NewRulesHolder(set)
	holder.Loaded(set, path, rulesVersion([]byte(reloadRulesV1)), time.Now())
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	var logged bytes.Buffer
	var alerts []string
	r := &rulesReloader{path: path, holder: holder, log: slog.New(slog.NewTextHandler(&logged, nil)), now: time.Now, metrics: m,
		alert: func(_ context.Context, subject, body, key string) error { alerts = append(alerts, body); return nil }}
	ctx := context.Background()
	bad := strings.Replace(reloadRulesV1, "forward: [gender]", "forward: [gendr]", 1)
	write(t, path, bad)
	r.reload(ctx, "SIGHUP")
	r.reload(ctx, "SIGHUP") // the same problems: no second mail
	if holder.Status().OK() || testutil.ToFloat64(successGauge(t, reg)) != 0 {
		t.Fatalf("after the bad edit: %+v", holder.Status())
	}
	write(t, path, reloadRulesV1)
	logged.Reset()
	r.reload(ctx, "SIGHUP")
	if s := holder.Status(); !s.OK() || len(s.Problems) != 0 || holder.Current() != set {
		t.Fatalf("after restoring: %+v", s)
	}
	if !strings.Contains(logged.String(), "restored") {
		t.Errorf("restoring logged nothing: %q", logged.String())
	}
	if testutil.ToFloat64(successGauge(t, reg)) != 1 {
		t.Error("caucusgate_rules_last_reload_success is not 1 after restoring")
	}
	write(t, path, strings.Replace(reloadRulesV1, "forward: [gender]", "forward: [gnder]", 1))
	r.reload(ctx, "file changed")
	if len(alerts) != 2 || !strings.Contains(alerts[0], "gendr") || !strings.Contains(alerts[1], "gnder") {
		t.Fatalf("alerts %q, want one per distinct set of problems", alerts)
	}
}

func successGauge(t *testing.T, reg *prometheus.Registry) prometheus.Collector {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "caucusgate_rules_last_reload_success" {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "x"}, func() float64 { return f.GetMetric()[0].GetGauge().GetValue() })
		}
	}
	t.Fatal("no caucusgate_rules_last_reload_success")
	return nil
}
