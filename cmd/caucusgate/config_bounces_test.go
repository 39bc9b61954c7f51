package main

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"caucusgate/queue"
)

// TestBounceKeys: bounce_score_threshold and bounce_info_stale_after reach
// the gateway's BounceScoring, Mailman's defaults when absent; a bad value
// is a located error.
func TestBounceKeys(t *testing.T) {
	for _, c := range []struct {
		keys string
		want queue.BounceScoring
		err  string
	}{
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
	} {
		_, config := cliWorld(t, membersRules)
		appendTo(t, config, c.keys)
		var diag bytes.Buffer
		cfg, err := loadConfig(config, &diag)
		if c.err != "" {
			if err == nil || !regexpMatch(c.err, diag.String()) {
				t.Errorf("%q: %v\n%s\nwant %s", c.keys, err, diag.String(), c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v\n%s", c.keys, err, diag.String())
			continue
		}
		gc, err := gatewayConfig(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if gc.BounceScoring != c.want {
			t.Errorf("%q: %+v, want %+v", c.keys, gc.BounceScoring, c.want)
		}
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
