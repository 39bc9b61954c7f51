package main

import (
	"bytes"
	"testing"
	"time"
)

// TestListsConfirmWithin: lists.confirm_within reaches the gateway (zero,
// its 6h default, when absent; negative for off); a bad value is a
// located error.
func TestListsConfirmWithin(t *testing.T) {
	for _, c := range []struct {
		keys string
		want time.Duration
		err  string
	}{
		{"", 0, ""},
		{"lists:\n  confirm_within: 2h\n", 2 * time.Hour, ""},
		{"lists:\n  confirm_within: 1d\n", 24 * time.Hour, ""},
		{"lists:\n  confirm_within: \"off\"\n", -1, ""},
		{"lists:\n  confirm_within: 0s\n", 0, `:\d+:\d+: lists.confirm_within "0s": want a duration above 0`},
		{"lists:\n  confirm_within: soon\n", 0, `lists.confirm_within "soon"`},
		{"lists:\n  confirm_witin: 2h\n", 0, `confirm_witin`},
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
		if gc.ListConfirmWithin != c.want {
			t.Errorf("%q: ListConfirmWithin %v, want %v", c.keys, gc.ListConfirmWithin, c.want)
		}
	}
}
