package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"caucusgate/gateway/mailsim"
	"caucusgate/gateway/metrics"
	"caucusgate/queue/queuetest"
)

// TestScheduleRunsCountsRunsNotPasses: a schedule whose slot has not come
// is looked at every pass (every second in the daemon) but has not run;
// caucusgate_schedule_runs_total counts the slot runs only.
func TestScheduleRunsCountsRunsNotPasses(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, strings.Replace(testRules, "rules:\n", "replies:\n  schedule: \"@every 1h\"\nrules:\n", 1))
	reg := prometheus.NewRegistry()
	p.cfg.Metrics = metrics.New(reg)
	clock := time.Date(2026, 11, 24, 9, 10, 0, 0, time.UTC)
	p.cfg.Now = func() time.Time { return clock }
	replyTo := forwardedReplyTo(t, p)
	if err := p.world.Append("bureau@example.org", "INBOX", reply("gina@gender.example.net", replyTo, "Yes", 1)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		p.runOnce()
	}
	if n := testutil.CollectAndCount(reg, "caucusgate_schedule_runs_total"); n != 0 {
		mfs, _ := reg.Gather()
		for _, f := range mfs {
			t.Log(f.String())
		}
		t.Fatalf("before the slot: %d schedule_runs series, want none (nothing ran)", n)
	}
	clock = clock.Add(2 * time.Hour)
	p.runOnce()
	p.runOnce()
	want := "# HELP caucusgate_schedule_runs_total Scheduled relay runs (slots run), by schedule and result: ok or error.\n# TYPE caucusgate_schedule_runs_total counter\n" +
		"caucusgate_schedule_runs_total{result=\"ok\",schedule=\"@every 1h\"} 1\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "caucusgate_schedule_runs_total"); err != nil {
		t.Fatal(err)
	}
}
