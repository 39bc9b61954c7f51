package main

import (
	"fmt"
	"time"

	"caucusgate/queue"
)

// bounceScoring is the config's bounce keys as the gateway takes them
// (checked at load). The keys are Mailman 3's per-list settings; caucusgate
// scores a roster address once across all its caucuses (one copy per
// person), so they sit in the config file, for every caucus at once.
func bounceScoring(c *fileConfig) (queue.BounceScoring, error) {
	t, err := bounceThreshold(c.BounceScoreThreshold)
	if err != nil {
		return queue.BounceScoring{}, err
	}
	d, err := bounceStaleAfter(c.BounceInfoStaleAfter)
	if err != nil {
		return queue.BounceScoring{}, err
	}
	return queue.BounceScoring{Threshold: t, StaleAfter: d}, nil
}

func bounceThreshold(t *float64) (float64, error) {
	if t == nil {
		return queue.DefaultBounceThreshold, nil
	}
	if *t <= 0 {
		return 0, fmt.Errorf("bounce_score_threshold %v: want a score above 0, such as 5.0 (Mailman's default)", *t)
	}
	return *t, nil
}

func bounceStaleAfter(s string) (time.Duration, error) {
	if s == "" {
		return queue.DefaultBounceStaleAfter, nil
	}
	d, err := parseDays(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bounce_info_stale_after %q: want a duration above 0, days (7d) or a Go duration (168h)", s)
	}
	return d, nil
}

func checkBounceKeys(c *fileConfig, add addFunc) {
	if _, err := bounceThreshold(c.BounceScoreThreshold); err != nil {
		add("bounce_score_threshold", "%v", err)
	}
	if _, err := bounceStaleAfter(c.BounceInfoStaleAfter); err != nil {
		add("bounce_info_stale_after", "%v", err)
	}
}
