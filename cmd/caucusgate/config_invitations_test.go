package main

import (
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
)

func TestInvitationFollowUpKeys(t *testing.T) {
	t.Parallel()
	opts, err := inviteConfig{Zone: "Europe/Zurich", Reminders: []string{"2d", "7d"}, SummaryTo: "bureau@example.org"}.options("")
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.Reminders) != 2 || opts.Reminders[0].Name != "7d" || opts.Reminders[1].Before != 48*time.Hour {
		t.Errorf("reminders %+v, want 7d then 2d", opts.Reminders)
	}
	if got := opts.SummarySpec(); got != "CRON_TZ=Europe/Zurich 0 8 * * 1" {
		t.Errorf("default summary schedule %q, want Mondays 08:00 in the display zone", got)
	}
	none, err := inviteConfig{}.options("UTC")
	if err != nil || len(none.Reminders) != 0 || none.SummaryTo != "" {
		t.Errorf("unconfigured: %+v, %v; want no reminders and no summary", none, err)
	}
}

func TestCheckInvitationFollowUpKeys(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"  reminders: [7d, soon]\n", "invitations.reminders"},
		{"  reminders: [7d, 168h]\n", "given twice"},
		{"  summary_to: bureau@example.org\n  summary_schedule: \"0 25 * * *\"\n", "invitations.summary_schedule"},
		{"  summary_to: not an address\n", "invitations.summary_to"},
	} {
		_, config := cliWorldWith(t, mailsim.Options{}, invitationRules)
		appendConfig(t, config, "invitations:\n"+tc.yaml)
		status, stdout, stderr := runCLI(t, "check", "-config", config)
		if out := stdout + stderr; status != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%q: check status %d, want 2 naming %s:\n%s", tc.yaml, status, tc.want, out)
		}
	}
}
