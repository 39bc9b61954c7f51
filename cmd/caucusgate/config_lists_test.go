package main

import (
	"testing"
	"time"

	"caucusgate/gateway"
)

// TestListsConfirmWithin: lists.confirm_within reaches the gateway (zero,
// its 6h default, when absent; negative for off); a bad value is a
// located error.
func TestListsConfirmWithin(t *testing.T) {
	confirmWithin := func(gc gateway.Config) time.Duration { return gc.ListConfirmWithin }
	testConfigKeys(t, confirmWithin, []keysCase[time.Duration]{
		{"", 0, ""},
		{"lists:\n  confirm_within: 2h\n", 2 * time.Hour, ""},
		{"lists:\n  confirm_within: 1d\n", 24 * time.Hour, ""},
		{"lists:\n  confirm_within: \"off\"\n", -1, ""},
		{"lists:\n  confirm_within: 0s\n", 0, `:\d+:\d+: lists.confirm_within "0s": want a duration above 0`},
		{"lists:\n  confirm_within: soon\n", 0, `lists.confirm_within "soon"`},
		{"lists:\n  confirm_witin: 2h\n", 0, `confirm_witin`},
	})
}
