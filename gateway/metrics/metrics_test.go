package metrics

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"caucusgate/gateway/imapwatch"
	"caucusgate/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func newTest(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	return New(reg), reg
}

// exercise calls every method once or more, as a short gateway run would.
func exercise(m *Metrics) {
	m.MessageFetched("bureau", "INBOX")
	m.MessageFetched("bureau", "INBOX")
	m.MessageFetched("bureau", "Invitations")
	m.Decided("forward")
	m.Decided("forward")
	m.Decided("hold")
	m.Delivery(Sent)
	m.Delivery(Sent)
	m.Delivery(Deferred)
	m.IMAPState("bureau", "INBOX", "syncing")
	m.IMAPState("bureau", "INBOX", "idle")
	m.IMAPSynced("bureau", "INBOX", time.Date(2026, 11, 26, 12, 0, 0, 500e6, time.UTC))
	m.Reconnect("bureau", "INBOX", ReasonNetwork)
	m.Reconnect("bureau", "INBOX", ReasonAuth)
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	m.BuildInfo("v1.2.3", "0123456789ab-dirty", "go1.26.0")
	m.MailboxConfigured("bureau", "Invitations")
	m.RulesInForce("v0-0000", at)
	m.RulesReloaded("v1-3f2a", at, nil)
	m.RulesReloaded("v2-9c41", at, nil)
	m.RulesReloaded("", at.Add(time.Minute), errors.New("rules.yaml:3:5: unknown key"))
	m.ScheduleRun("replies", nil)
	m.ScheduleRun("replies", errors.New("relay down"))
	m.SetQueueStats(func(context.Context) (int, time.Duration, error) { return 7, 90 * time.Second, nil })
}

// TestExposition compares the whole text exposition after a run with
// testdata/exposition.golden: names, help, types, labels and values.
func TestExposition(t *testing.T) {
	m, reg := newTest(t)
	exercise(m)
	got := exposition(t, reg)
	golden := filepath.Join("testdata", "exposition.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("exposition differs from %s (run with -update to accept):\n%s", golden, got)
	}
}

func TestNamesAndLint(t *testing.T) {
	m, reg := newTest(t)
	exercise(m)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(families) != 18 {
		t.Errorf("gathered %d families, want 18", len(families))
	}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "caucusgate_") {
			t.Errorf("metric %s is outside the caucusgate_ namespace", f.GetName())
		}
		if f.GetHelp() == "" {
			t.Errorf("metric %s has no help text", f.GetName())
		}
	}
}

func TestIMAPStateIsOneHot(t *testing.T) {
	m, _ := newTest(t)
	steps := []string{"connecting", "syncing", "idle", "backoff", "no-such-state"}
	for _, state := range steps {
		m.IMAPState("bureau", "INBOX", state)
		want := state
		if state == "no-such-state" {
			want = "unknown"
		}
		for _, s := range imapStates {
			v := testutil.ToFloat64(m.imapState.WithLabelValues("bureau", "INBOX", s))
			if (s == want) != (v == 1) || (v != 0 && v != 1) {
				t.Errorf("after %q: state %q = %v", state, s, v)
			}
		}
	}
}

// TestIMAPStatesCoverImapwatch keeps the label set in step with the
// supervisor's states: a state added there must be added here.
func TestIMAPStatesCoverImapwatch(t *testing.T) {
	for s := imapwatch.State(0); s.String() != "unknown"; s++ {
		m, _ := newTest(t)
		m.IMAPState("a", "INBOX", s.String())
		if v := testutil.ToFloat64(m.imapState.WithLabelValues("a", "INBOX", s.String())); v != 1 {
			t.Errorf("imapwatch state %q is not in the state label set", s)
		}
	}
}

// TestDecisionsCoverRules keeps the decision label set in step with the
// rules' actions.
func TestDecisionsCoverRules(t *testing.T) {
	for a := rules.Action(0); !strings.HasPrefix(a.String(), "action("); a++ {
		m, _ := newTest(t)
		m.Decided(a.String())
		if v := testutil.ToFloat64(m.decided.WithLabelValues(a.String())); v != 1 {
			t.Errorf("decision %q counted %v, want 1", a, v)
		}
	}
}

func TestUnknownLabelValuesAreClamped(t *testing.T) {
	m, reg := newTest(t)
	m.Decided("<msgid@example.org>")
	m.Delivery(DeliveryResult("weird"))
	m.Reconnect("a", "INBOX", ReconnectReason("timeout"))
	tests := []struct {
		c    prometheus.Collector
		want float64
	}{
		{m.decided.WithLabelValues("other"), 1},
		{m.deliveries.WithLabelValues("failed"), 1},
		{m.reconnects.WithLabelValues("a", "INBOX", "network"), 1},
	}
	for i, tt := range tests {
		if got := testutil.ToFloat64(tt.c); got != tt.want {
			t.Errorf("case %d: got %v, want %v", i, got, tt.want)
		}
	}
	n, err := testutil.GatherAndCount(reg, "caucusgate_messages_decided_total")
	if err != nil {
		t.Fatal(err)
	}
	if n != len(decisions) {
		t.Errorf("%d decision series, want the %d of the fixed set", n, len(decisions))
	}
}

func TestRulesReloaded(t *testing.T) {
	m, reg := newTest(t)
	m.RulesReloaded("aaa", time.Now(), nil)
	m.RulesReloaded("bbb", time.Now(), nil)
	m.RulesReloaded("ccc", time.Now(), errors.New("bad"))
	want := `
# HELP caucusgate_rules_info The rules in force: 1, labelled with their version hash.
# TYPE caucusgate_rules_info gauge
caucusgate_rules_info{version="bbb"} 1
# HELP caucusgate_rules_last_reload_success 1 when the last attempt to load the rule file (the start, SIGHUP, a change of the file) succeeded, 0 when it failed.
# TYPE caucusgate_rules_last_reload_success gauge
caucusgate_rules_last_reload_success 0
# HELP caucusgate_rules_reloads_total Rule file loads, by result: ok or error (the last good rules stay in force).
# TYPE caucusgate_rules_reloads_total counter
caucusgate_rules_reloads_total{result="error"} 1
caucusgate_rules_reloads_total{result="ok"} 2
`
	err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"caucusgate_rules_info", "caucusgate_rules_last_reload_success", "caucusgate_rules_reloads_total")
	if err != nil {
		t.Error(err)
	}
}

// TestRulesAtStart: after a good start, before any reload, the last load
// succeeded and the rules' info series names the version in force.
func TestRulesAtStart(t *testing.T) {
	m, reg := newTest(t)
	at := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	m.RulesInForce("abc", at)
	want := `
# HELP caucusgate_rules_info The rules in force: 1, labelled with their version hash.
# TYPE caucusgate_rules_info gauge
caucusgate_rules_info{version="abc"} 1
# HELP caucusgate_rules_last_reload_success 1 when the last attempt to load the rule file (the start, SIGHUP, a change of the file) succeeded, 0 when it failed.
# TYPE caucusgate_rules_last_reload_success gauge
caucusgate_rules_last_reload_success 1
# HELP caucusgate_rules_last_reload_timestamp_seconds Unix time of the last attempt to load the rule file, successful or not.
# TYPE caucusgate_rules_last_reload_timestamp_seconds gauge
caucusgate_rules_last_reload_timestamp_seconds 1.7956944e+09
# HELP caucusgate_rules_reloads_total Rule file loads, by result: ok or error (the last good rules stay in force).
# TYPE caucusgate_rules_reloads_total counter
caucusgate_rules_reloads_total{result="error"} 0
caucusgate_rules_reloads_total{result="ok"} 0
`
	err := testutil.GatherAndCompare(reg, strings.NewReader(want), "caucusgate_rules_info", "caucusgate_rules_last_reload_success",
		"caucusgate_rules_last_reload_timestamp_seconds", "caucusgate_rules_reloads_total")
	if err != nil {
		t.Error(err)
	}
}

func TestBuildInfo(t *testing.T) {
	m, reg := newTest(t)
	m.BuildInfo("v0.1.0", "abc-dirty", "go1.26.0")
	m.BuildInfo("v0.1.1", "def", "go1.26.1") // one series, not two
	want := `
# HELP caucusgate_build_info The running binary: 1, labelled with its module version, VCS revision (-dirty when the tree was modified) and Go version.
# TYPE caucusgate_build_info gauge
caucusgate_build_info{goversion="go1.26.1",revision="def",version="v0.1.1"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "caucusgate_build_info"); err != nil {
		t.Error(err)
	}
}

// TestReconnectsExistFromTheStart: a configured mailbox's reconnect
// counters are exported at 0 before the first reconnect.
func TestReconnectsExistFromTheStart(t *testing.T) {
	m, reg := newTest(t)
	m.Mailbox("bureau", "INBOX")
	want := `
# HELP caucusgate_imap_reconnects_total IMAP connections lost or refused, by reason: network or auth.
# TYPE caucusgate_imap_reconnects_total counter
caucusgate_imap_reconnects_total{account="bureau",mailbox="INBOX",reason="auth"} 0
caucusgate_imap_reconnects_total{account="bureau",mailbox="INBOX",reason="network"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "caucusgate_imap_reconnects_total"); err != nil {
		t.Error(err)
	}
}

// TestREADMEListsEverySeries: the README's metrics table names every
// series the gateway exports, and nothing else.
func TestREADMEListsEverySeries(t *testing.T) {
	m, reg := newTest(t)
	exercise(m)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| `caucusgate_") {
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
			name, _, _ = strings.Cut(name, "{")
			documented[name] = true
		}
	}
	exported := map[string]bool{}
	for _, f := range families {
		exported[f.GetName()] = true
		if !documented[f.GetName()] {
			t.Errorf("%s is exported but not in the README's metrics table", f.GetName())
		}
	}
	for name := range documented {
		if !exported[name] {
			t.Errorf("the README lists %s, which is not exported", name)
		}
	}
}

func TestQueueStats(t *testing.T) {
	tests := []struct {
		name  string
		stats QueueStats
		want  string
	}{
		{"unset", nil, "caucusgate_queue_stats_up 0\n"},
		{"error", func(context.Context) (int, time.Duration, error) { return 0, 0, errors.New("store down") },
			"caucusgate_queue_stats_up 0\n"},
		{"ok", func(context.Context) (int, time.Duration, error) { return 3, 1500 * time.Millisecond, nil },
			"caucusgate_queue_depth 3\ncaucusgate_queue_oldest_pending_seconds 1.5\ncaucusgate_queue_stats_up 1\n"},
		{"deadline", func(ctx context.Context) (int, time.Duration, error) {
			if _, ok := ctx.Deadline(); !ok {
				return 0, 0, errors.New("no deadline")
			}
			return 0, 0, nil
		}, "caucusgate_queue_depth 0\ncaucusgate_queue_oldest_pending_seconds 0\ncaucusgate_queue_stats_up 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, reg := newTest(t)
			if tt.stats != nil {
				m.SetQueueStats(tt.stats)
			}
			got := samples(t, reg, "caucusgate_queue_")
			if got != tt.want {
				t.Errorf("got\n%swant\n%s", got, tt.want)
			}
		})
	}
}

// exposition returns everything reg has in the text format. (testutil's
// GatherAndFormat returns nothing when given no names, in v1.25.0.)
func exposition(t *testing.T, reg prometheus.Gatherer) []byte {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// samples returns the exposition's sample lines whose name has prefix.
func samples(t *testing.T, reg prometheus.Gatherer, prefix string) string {
	t.Helper()
	var b strings.Builder
	for line := range strings.Lines(string(exposition(t, reg))) {
		if strings.HasPrefix(line, prefix) {
			b.WriteString(line)
		}
	}
	return b.String()
}

func TestHandler(t *testing.T) {
	m, reg := newTest(t)
	exercise(m)
	srv := httptest.NewServer(Handler(reg))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
	for _, want := range []string{`caucusgate_deliveries_total{result="sent"} 2`, "caucusgate_queue_depth 7"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q", want)
		}
	}
}

// TestConcurrent runs the gateway's calls against scrapes; its assertions
// are the race detector's and the final counts.
func TestConcurrent(t *testing.T) {
	m, reg := newTest(t)
	const workers, n = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range n {
				m.MessageFetched("bureau", "INBOX")
				m.IMAPState("bureau", "INBOX", imapStates[(w+i)%len(imapStates)])
				m.RulesReloaded("v", time.Now(), nil)
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := reg.Gather(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if got := testutil.ToFloat64(m.fetched.WithLabelValues("bureau", "INBOX")); got != workers*n {
		t.Errorf("fetched %v, want %d", got, workers*n)
	}
	ones := 0
	for _, s := range imapStates {
		ones += int(testutil.ToFloat64(m.imapState.WithLabelValues("bureau", "INBOX", s)))
	}
	if ones != 1 {
		t.Errorf("%d states at 1, want exactly 1", ones)
	}
}

func TestNewTwiceOnOneRegistryPanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	New(reg)
	defer func() {
		if recover() == nil {
			t.Error("second New on the same registry did not panic")
		}
	}()
	New(reg)
}
