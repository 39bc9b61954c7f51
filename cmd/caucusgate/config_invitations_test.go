package main

import (
	"fmt"
	"os"
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

// TestCheckInvitationsLocatesEveryProblem: `check` reports every bad key of
// one invitations block at once, each at FILE:LINE:COLUMN of its value (the
// offending item of a list), as a compiler does.
func TestCheckInvitationsLocatesEveryProblem(t *testing.T) {
	for _, tc := range []struct {
		block []string
		want  []located // each problem: the text it is at, and its message
	}{
		{
			block: []string{
				"invitations:",
				"  zone: Europe/Genva",
				"  short_notice: soon",
				"  reminders: [7d, later, 168h]",
				"  summary_to: not an address",
				`  summary_schedule: "0 25 * * *"`,
			},
			want: []located{
				{"Europe/Genva", `invitations.zone "Europe/Genva": want an IANA zone name`},
				{"soon", `invitations.short_notice "soon": want days`},
				{"later", `invitations.reminders: reminder "later": want days before the deadline`},
				{"168h", `invitations.reminders: reminder "168h": given twice`},
				{"not an address", `invitations.summary_to "not an address": want an address`},
				{`"0 25 * * *"`, `invitations.summary_schedule: `},
			},
		},
		{
			block: []string{
				"invitations:",
				"  reminders: [2d]",
				`  summary_schedule: "0 9 * * 5"`,
			},
			want: []located{{`"0 9 * * 5"`, "invitations.summary_schedule is set but summary_to is not"}},
		},
	} {
		_, config := cliWorldWith(t, mailsim.Options{}, invitationRules)
		before := linesIn(t, config)
		appendConfig(t, config, strings.Join(tc.block, "\n")+"\n")
		status, stdout, stderr := runCLI(t, "check", "-config", config)
		out := stdout + stderr
		if status != 2 {
			t.Errorf("%s: check status %d, want 2:\n%s", tc.block[1], status, out)
		}
		for _, w := range tc.want {
			if at := w.in(config, before, tc.block); !strings.Contains(out, at) {
				t.Errorf("check output lacks %q:\n%s", at, out)
			}
		}
		if got := strings.Count(out, "invitations."); got != len(tc.want) {
			t.Errorf("%d problems named in invitations, want %d:\n%s", got, len(tc.want), out)
		}
	}
}

// located is one expected problem: the message, at the first occurrence of
// text in the block.
type located struct{ text, message string }

// in is the FILE:LINE:COLUMN: message line check writes for w, the block
// having been appended to a file of before lines.
func (w located) in(file string, before int, block []string) string {
	for i, line := range block {
		if col := strings.Index(line, w.text); col >= 0 {
			return fmt.Sprintf("%s:%d:%d: %s", file, before+i+1, col+1, w.message)
		}
	}
	return "text " + w.text + " not in the block"
}

func linesIn(t *testing.T, path string) int {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(src), "\n")
}
