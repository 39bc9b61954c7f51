//go:build !chaoshook

package main

import "time"

// daemonClock is the daemon's clock: nil, the host's (time.Now). The chaos
// suite's build (-tags chaoshook, chaoshook.go) can skew it.
func daemonClock() func() time.Time { return nil }
