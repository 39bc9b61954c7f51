package schedule

import (
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		spec      string
		immediate bool
		zone      string
	}{
		{"immediate", true, "UTC"},
		{" Immediate ", true, "UTC"},
		{"0 17 * * *", false, "UTC"},
		{"CRON_TZ=Europe/Zurich 0 17 * * 1-5", false, "Europe/Zurich"},
		{"TZ=America/New_York 0 9 * * mon-fri", false, "America/New_York"},
		{"CRON_TZ=Europe/Zurich\t0 17 * * *", false, "Europe/Zurich"},
		{"CRON_TZ=Europe/Zurich   @daily", false, "Europe/Zurich"},
		{"@hourly", false, "UTC"},
		{"@every 1h30m", false, "UTC"},
		{"@every\t45s", false, "UTC"},
		{"0 0 29 2 *", false, "UTC"},
		{"CRON_TZ=UTC */5 * * * *", false, "UTC"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.spec)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.spec, err)
			continue
		}
		if s.String() != tt.spec {
			t.Errorf("Parse(%q).String() = %q, want the spec as written", tt.spec, s.String())
		}
		if s.IsImmediate() != tt.immediate || s.Location().String() != tt.zone {
			t.Errorf("Parse(%q): immediate %v zone %s, want %v %s", tt.spec, s.IsImmediate(), s.Location(), tt.immediate, tt.zone)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ spec, says string }{
		{"", "empty"},
		{"   ", "empty"},
		{"CRON_TZ=Europe/Zurich", "nothing after the time zone"},
		{"CRON_TZ= 0 17 * * *", "empty time zone"},
		{"CRON_TZ=Nowhere/City 0 17 * * *", `unknown time zone "Nowhere/City"`},
		{"CRON_TZ=Local 0 17 * * *", "depends on the host"},
		{"CRON_TZ=../../etc/passwd 0 17 * * *", "unknown time zone"},
		{"CRON_TZ=UTC CRON_TZ=Europe/Zurich 0 17 * * *", "more than one time zone"},
		{"CRON_TZ=UTC immediate", "takes no time zone"},
		{"@every", "needs a duration"},
		{"@every -5m", "at least one second"},
		{"@every 0s", "at least one second"},
		{"@every 1.5s", "whole number of seconds"},
		{"@every soon", "bad duration"},
		{"@everyday", "unrecognized descriptor"},
		{"@fortnightly", "unrecognized descriptor"},
		{"0 0 31 4 *", "no date matches"},
		{"61 * * * *", "above maximum"},
		{"* * * *", "five fields"},
		{"0 0 * * * *", "five fields"},
		{"*/0 * * * *", "positive"},
		{"0 17 * * funday", "failed to parse"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.spec)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want an error saying %q", tt.spec, tt.says)
			continue
		}
		if !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), "parse schedule") {
			t.Errorf("Parse(%q) = %q, want it to say %q", tt.spec, err, tt.says)
		}
	}
}
