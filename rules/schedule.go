package rules

import (
	"strings"

	"caucusgate/rules/schedule"
)

// checkSchedule validates a schedule: "immediate" or a robfig/cron spec,
// with CRON_TZ= and descriptors such as @every 30m. It uses the parser the
// daemon runs schedules with, so a spec that loads is a spec that runs, and
// a bad one is a load error, never a surprise at the first tick.
func (c *compiler) checkSchedule(path, spec string) {
	if spec == "" || spec == immediate {
		return
	}
	if _, err := schedule.Parse(spec); err != nil {
		if strings.Contains(err.Error(), "write") { // the parser said how to mend it
			c.errorf(path, "%v", err)
			return
		}
		c.errorf(path, "%v; write \"immediate\", a cron spec such as \"CRON_TZ=Europe/Zurich 0 17 * * 1-5\", or \"@every 30m\"", err)
	}
	if strings.HasPrefix(spec, "TZ=") {
		c.warnf(path, "write CRON_TZ= rather than TZ=: both work, CRON_TZ= is what the documentation uses")
	}
}
