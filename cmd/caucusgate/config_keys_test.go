package main

import (
	"bytes"
	"regexp"
	"testing"

	"caucusgate/gateway"
)

// keysCase is one row of a config key table test: keys appended to a
// working config and, when they are good, the value the gateway gets;
// when they are not, err: a regexp the located error check writes matches.
type keysCase[V comparable] struct {
	keys string
	want V
	err  string
}

// testConfigKeys loads a config with each case's keys and checks either
// the error or the value of the gateway's config that got picks out.
func testConfigKeys[V comparable](t *testing.T, got func(gateway.Config) V, cases []keysCase[V]) {
	t.Helper()
	for _, c := range cases {
		_, config := cliWorld(t, membersRules)
		appendTo(t, config, c.keys)
		var diag bytes.Buffer
		cfg, err := loadConfig(config, &diag)
		if c.err != "" {
			if err == nil || !regexp.MustCompile(c.err).MatchString(diag.String()) {
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
		if v := got(gc); v != c.want {
			t.Errorf("%q: %+v, want %+v", c.keys, v, c.want)
		}
	}
}
