package main

import "testing"

func TestRelayWorkersFollowSessions(t *testing.T) {
	for _, tc := range []struct {
		r    relayConfig
		want int
	}{
		{relayConfig{}, defaultSessions},
		{relayConfig{Sessions: 8}, 8},
		{relayConfig{Sessions: 3, Workers: 6}, 6},
		{relayConfig{Workers: 2}, 2},
	} {
		if got := tc.r.workers(); got != tc.want {
			t.Errorf("%+v.workers() = %d, want %d", tc.r, got, tc.want)
		}
	}
}
