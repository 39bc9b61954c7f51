package imapwatch

import (
	"slices"
	"testing"
	"time"
)

// Issue 11 item 8: at default settings a server that freezes during IDLE,
// where nothing is awaited, is noticed within FreezeNoticedWithin (2
// minutes), and IDLE still ends well within RFC 2177's 29 minutes.
func TestIdleFreezeNoticedWithinTwoMinutesAtDefaults(t *testing.T) {
	var c Config
	c.withDefaults()
	if got := freezeNoticedAfter(c.IdleCheck, c.StallTimeout); got > FreezeNoticedWithin {
		t.Errorf("a freeze during IDLE goes unnoticed up to %v (IDLE check %v + stall timeout %v + watchdog tick %v), want at most %v",
			got, c.IdleCheck, c.StallTimeout, watchdogTick(c.StallTimeout), FreezeNoticedWithin)
	}
	if stall := c.StallTimeout + watchdogTick(c.StallTimeout); stall > FreezeNoticedWithin {
		t.Errorf("a command with no answer is cut after up to %v, want at most %v", stall, FreezeNoticedWithin)
	}
	if idle := min(c.IdleRestart, c.IdleCheck); idle >= 29*time.Minute {
		t.Errorf("IDLE lasts %v, want under RFC 2177's 29 minutes", idle)
	}
}

// A server that keeps answering is never cut, whether IDLE ends far more
// often than the stall timeout or lasts many stall timeouts: DONE's answer
// comes, and nothing is awaited during IDLE.
func TestIdleChecksNeverCutAnAnsweringServer(t *testing.T) {
	tests := []struct {
		name         string
		check, stall time.Duration
	}{
		{"checks far more often than the stall timeout", 10 * time.Millisecond, 100 * time.Millisecond},
		{"IDLE lasting many stall timeouts", 250 * time.Millisecond, 25 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{})
			sink, obs := newMemSink(), newRecObserver()
			cfg := testConfig(t, ts.addr, sink, obs)
			cfg.IdleCheck, cfg.StallTimeout = tt.check, tt.stall
			runInBackground(t, newSupervisor(t, cfg))
			cycles := max(8, int(8*tt.stall/tt.check)) // at least 8 stall timeouts long
			waitIdleCycles(t, obs, cycles)
			ts.deliver("INBOX", "after the checks", "x", time.Now())
			sink.waitFor(t, "the message to be acknowledged", func() bool { return len(sink.acked) == 1 })
			obs.mu.Lock()
			defer obs.mu.Unlock()
			if len(obs.reasons) != 0 {
				t.Errorf("an answering server was cut: reconnects %v", obs.reasons)
			}
		})
	}
}

// waitIdleCycles waits until the Supervisor has entered IDLE n times.
func waitIdleCycles(t *testing.T, obs *recObserver, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		obs.mu.Lock()
		idles := len(slices.DeleteFunc(slices.Clone(obs.states), func(s State) bool { return s != StateIdle }))
		obs.mu.Unlock()
		if idles >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("IDLE entered fewer than %d times", n)
}
