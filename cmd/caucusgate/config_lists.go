package main

import (
	"fmt"
	"time"
)

// listsConfig is the config's lists section: how the gateway watches the
// caucuses' own lists (issue 10).
type listsConfig struct {
	// ConfirmWithin is how long a copy to a list caucus may go without
	// coming back through the list (or a notice about it) before it shows
	// "not seen on the list" and notify is told: 6h, 2d, or "off".
	ConfirmWithin string `yaml:"confirm_within"`
}

// confirmWithin is lists.confirm_within as the gateway takes it: zero for
// the default (6h), negative for off.
func (l listsConfig) confirmWithin() (time.Duration, error) {
	switch l.ConfirmWithin {
	case "":
		return 0, nil
	case "off":
		return -1, nil
	}
	d, err := parseDays(l.ConfirmWithin)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("lists.confirm_within %q: want a duration above 0, days (1d) or a Go duration (6h), or off", l.ConfirmWithin)
	}
	return d, nil
}

func checkListsKeys(c *fileConfig, add addFunc) {
	if _, err := c.Lists.confirmWithin(); err != nil {
		add("lists.confirm_within", "%v", err)
	}
}
