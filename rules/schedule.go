package rules

import (
	"strings"
	_ "time/tzdata" // CRON_TZ= names must resolve on machines without a zoneinfo database

	"github.com/robfig/cron/v3"
)

// checkSchedule validates a schedule: "immediate" or a robfig/cron spec,
// with CRON_TZ= and descriptors such as @every 30m. A bad spec is a load
// error, never a surprise at the first tick.
func (c *compiler) checkSchedule(path, spec string) {
	if spec == "" || spec == immediate {
		return
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		c.errorf(path, "bad schedule %q: %v; write \"immediate\", a cron spec such as \"CRON_TZ=Europe/Zurich 0 17 * * 1-5\", or \"@every 30m\"", spec, err)
	}
	if strings.HasPrefix(spec, "TZ=") {
		c.warnf(path, "write CRON_TZ= rather than TZ=: both work, CRON_TZ= is what the documentation uses")
	}
}
