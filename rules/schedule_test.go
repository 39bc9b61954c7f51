package rules

import (
	"strings"
	"testing"
)

// Specs that robfig/cron's own parser panics on or accepts although they
// never run well must be load errors.
func TestScheduleSpecsThatMustNotLoad(t *testing.T) {
	for _, spec := range []string{"CRON_TZ=Europe/Zurich", "@every -5m", "@every 0s", "CRON_TZ=Local 0 17 * * *"} {
		src := "caucuses:\n  - {id: gender, name: Gender Caucus, address: g@example.org}\nreplies:\n  schedule: \"" + spec + "\"\n"
		_, diags := Parse("rules.yaml", []byte(src))
		if !diags.HasErrors() || !strings.Contains(diags.String(), "schedule") {
			t.Errorf("schedule %q loaded: %v", spec, diags)
		}
	}
}
