// Package metrics is caucusgate's Prometheus instrumentation: every metric
// the daemon exports, named caucusgate_..., registered on a registry the
// caller owns (never the process-global one), so tests and several gateways
// in one process each count on their own.
//
// Labels are bounded by what admins configure (accounts, mailboxes,
// schedules) or by fixed sets (decisions, results, states); no label ever
// carries a Message-ID or an address, whose number grows without bound.
// The exposition format is Prometheus's text format, served by [Handler].
package metrics
