package metrics

// ScheduleRun counts one run of a relay schedule. schedule names it: the
// caucus or rule it belongs to, or its cron spec, a set the admin bounds
// by what the rules define. err is the run's failure, nil for success.
func (m *Metrics) ScheduleRun(schedule string, err error) {
	result := resultOK
	if err != nil {
		result = resultError
	}
	m.schedRuns.WithLabelValues(schedule, result).Inc()
}
