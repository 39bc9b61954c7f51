package metrics

import "time"

const (
	resultOK    = "ok"
	resultError = "error"
)

// RulesInForce records the rules loaded at start, at version: the rules
// info series exists and the last load succeeded from the first scrape on.
// It counts no reload.
func (m *Metrics) RulesInForce(version string, at time.Time) {
	m.rulesOK.Set(1)
	m.rulesAt.Set(unixSeconds(at))
	m.setVersion(version)
}

// RulesReloaded records a load of the rule files at time at. On success
// (err nil), version (a hash of the files) becomes the one
// caucusgate_rules_info shows; on failure the last good version stays,
// since it is still the one in force. A file found unchanged from the
// version in force (restored after a bad edit) is a success.
func (m *Metrics) RulesReloaded(version string, at time.Time, err error) {
	m.rulesAt.Set(unixSeconds(at))
	if err != nil {
		m.reloads.WithLabelValues(resultError).Inc()
		m.rulesOK.Set(0)
		return
	}
	m.reloads.WithLabelValues(resultOK).Inc()
	m.rulesOK.Set(1)
	m.setVersion(version)
}

func (m *Metrics) setVersion(version string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Only the version in force is exported: old versions would pile up
	// one series per edit for the life of the process.
	m.rulesInfo.Reset()
	m.rulesInfo.WithLabelValues(version).Set(1)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// BuildInfo records the running binary's module version, VCS revision and
// Go version in caucusgate_build_info.
func (m *Metrics) BuildInfo(version, revision, goVersion string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.build.Reset()
	m.build.WithLabelValues(version, revision, goVersion).Set(1)
}
