package main

// workers is the number of deliveries the daemon makes at once: relay.workers,
// by default relay.sessions. A delivery holds a session only while it sends;
// the store's hand-off runs as many senders again, so the sessions stay busy
// while other deliveries record their results.
func (r relayConfig) workers() int {
	if r.Workers > 0 {
		return r.Workers
	}
	if r.Sessions > 0 {
		return r.Sessions
	}
	return defaultSessions
}
