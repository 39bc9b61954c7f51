package main

import (
	"testing"
	"time"

	"caucusgate/gateway"
	"caucusgate/queue"
)

// TestBounceKeys: bounce_score_threshold and bounce_info_stale_after reach
// the gateway's BounceScoring, Mailman's defaults when absent; a bad value
// is a located error.
func TestBounceKeys(t *testing.T) {
	scoring := func(gc gateway.Config) queue.BounceScoring { return gc.BounceScoring }
	testConfigKeys(t, scoring, []keysCase[queue.BounceScoring]{
		{"", queue.BounceScoring{Threshold: 5, StaleAfter: 7 * 24 * time.Hour}, ""},
		{"bounce_score_threshold: 3\nbounce_info_stale_after: 14d\n", queue.BounceScoring{Threshold: 3, StaleAfter: 14 * 24 * time.Hour}, ""},
		{"bounce_score_threshold: 2.5\nbounce_info_stale_after: 1d\n", queue.BounceScoring{Threshold: 2.5, StaleAfter: 24 * time.Hour}, ""},
		{"bounce_info_stale_after: 72h\n", queue.BounceScoring{Threshold: 5, StaleAfter: 72 * time.Hour}, ""},
		{"bounce_score_threshold: 0\n", queue.BounceScoring{}, `:\d+:25: bounce_score_threshold 0: want a score above 0`},
		{"bounce_score_threshold: -1\n", queue.BounceScoring{}, `:\d+:25: bounce_score_threshold -1: want a score above 0`},
		{"bounce_info_stale_after: 7days\n", queue.BounceScoring{}, `:\d+:26: bounce_info_stale_after "7days": want a duration`},
		{"bounce_info_stale_after: 0d\n", queue.BounceScoring{}, `bounce_info_stale_after "0d": want a duration above 0`},
		{"bounce_info_stale_after: -7d\n", queue.BounceScoring{}, `bounce_info_stale_after "-7d"`},
		{"bounce_info_stale_after: 1d12h\n", queue.BounceScoring{}, `bounce_info_stale_after "1d12h"`},
		{"bounce_score_threshold: five\n", queue.BounceScoring{}, `bounce_score_threshold`},
	})
}
