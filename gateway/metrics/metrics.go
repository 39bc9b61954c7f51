package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds every caucusgate metric. Its methods are safe for
// concurrent use and never block on I/O, so the gateway may call them from
// any goroutine, including an IMAP supervisor's.
type Metrics struct {
	fetched    *prometheus.CounterVec
	decided    *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	imapState  *prometheus.GaugeVec
	imapSynced *prometheus.GaugeVec
	reconnects *prometheus.CounterVec
	reloads    *prometheus.CounterVec
	rulesOK    prometheus.Gauge
	rulesInfo  *prometheus.GaugeVec
	rulesAt    prometheus.Gauge
	schedRuns  *prometheus.CounterVec
	build      *prometheus.GaugeVec
	queue      *queueCollector
	faults     *imapFaults

	// mu makes the multi-series updates (a mailbox's state set, the rules
	// version) atomic to a concurrent scrape and to each other.
	mu sync.Mutex
}

// New creates the metrics and registers them on reg. Pass a fresh
// prometheus.NewRegistry(): the global registry would also export the Go
// runtime's go_* and process_* metrics, outside the caucusgate_ namespace.
// New panics if a metric is already registered on reg, as
// prometheus.MustRegister does: that is a wiring bug, not a runtime error.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		fetched:    counterVec("messages_fetched_total", "Messages fetched from an IMAP mailbox.", "account", "mailbox"),
		decided:    counterVec("messages_decided_total", "Messages the rules decided, by decision.", "decision"),
		deliveries: counterVec("deliveries_total", "SMTP delivery attempts, by result: sent, deferred (will be retried) or failed (permanently).", "result"),
		imapState:  gaugeVec("imap_state", "IMAP supervisor state of a mailbox: 1 for the current state, 0 for the others.", "account", "mailbox", "state"),
		imapSynced: gaugeVec("imap_last_sync_timestamp_seconds", "Unix time of a mailbox's last complete sync (everything in it accepted and acknowledged).", "account", "mailbox"),
		reconnects: counterVec("imap_reconnects_total", "IMAP connections lost or refused, by reason: network or auth.", "account", "mailbox", "reason"),
		reloads:    counterVec("rules_reloads_total", "Rule file loads, by result: ok or error (the last good rules stay in force).", "result"),
		rulesOK: prometheus.NewGauge(prometheus.GaugeOpts{Name: "caucusgate_rules_last_reload_success",
			Help: "1 when the last attempt to load the rule file (the start, SIGHUP, a change of the file) succeeded, 0 when it failed."}),
		rulesInfo: gaugeVec("rules_info", "The rules in force: 1, labelled with their version hash.", "version"),
		rulesAt: prometheus.NewGauge(prometheus.GaugeOpts{Name: "caucusgate_rules_last_reload_timestamp_seconds",
			Help: "Unix time of the last attempt to load the rule file, successful or not."}),
		schedRuns: counterVec("schedule_runs_total", "Scheduled relay runs (slots run), by schedule and result: ok or error.", "schedule", "result"),
		build:     gaugeVec("build_info", "The running binary: 1, labelled with its module version, VCS revision (-dirty when the tree was modified) and Go version.", "version", "revision", "goversion"),
		queue:     newQueueCollector(),
	}
	reg.MustRegister(m.fetched, m.decided, m.deliveries, m.imapState, m.imapSynced,
		m.reconnects, m.reloads, m.rulesOK, m.rulesInfo, m.rulesAt, m.schedRuns, m.build, m.queue)
	m.faults = newIMAPFaults(reg)
	m.initBoundedSeries()
	return m
}

// initBoundedSeries creates every series of the fixed label sets at zero:
// a counter that first appears at 1 hides its first increase from rate()
// and from alerts written as increase(...) > 0.
func (m *Metrics) initBoundedSeries() {
	for _, d := range decisions {
		m.decided.WithLabelValues(d)
	}
	for _, r := range []DeliveryResult{Sent, Deferred, Failed} {
		m.deliveries.WithLabelValues(string(r))
	}
	for _, r := range []string{resultOK, resultError} {
		m.reloads.WithLabelValues(r)
	}
}

const namespace = "caucusgate"

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
}

func gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, labels)
}
