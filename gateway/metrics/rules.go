package metrics

const (
	resultOK    = "ok"
	resultError = "error"
)

// RulesReloaded records a load of the rule files. On success (err nil),
// version (a hash of the files) becomes the one caucusgate_rules_info
// shows; on failure the last good version stays, since it is still the
// one in force.
func (m *Metrics) RulesReloaded(version string, err error) {
	if err != nil {
		m.reloads.WithLabelValues(resultError).Inc()
		m.rulesOK.Set(0)
		return
	}
	m.reloads.WithLabelValues(resultOK).Inc()
	m.rulesOK.Set(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	// Only the version in force is exported: old versions would pile up
	// one series per edit for the life of the process.
	m.rulesInfo.Reset()
	m.rulesInfo.WithLabelValues(version).Set(1)
}
