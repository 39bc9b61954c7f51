package main

import (
	"fmt"
	"net/mail"
	"slices"
	"time"

	"caucusgate/gateway/invitation"
	"caucusgate/internal/yamlfile"
	"caucusgate/rules/schedule"
)

// inviteConfig is the config file's `invitations` section.
type inviteConfig struct {
	Zone        string `yaml:"zone"`         // IANA name; default display_timezone
	ShortNotice string `yaml:"short_notice"` // 14d, 336h; default 14d
	// Reminders and the weekly summary follow invitations up after they went out.
	Reminders       []string `yaml:"reminders"`        // [7d, 2d]; default none
	SummaryTo       string   `yaml:"summary_to"`       // default none: no summary
	SummarySchedule string   `yaml:"summary_schedule"` // default Mondays 08:00, display zone
}

// options turns the section into the gateway's settings, or fails on its
// first bad key. Without a zone of its own, the invitations are read and
// shown in display (display_timezone: one zone for pages, CLI and mails).
func (c inviteConfig) options(display string) (*invitation.Options, error) {
	var first error
	opts := c.read(display, func(_, format string, args ...any) {
		if first == nil {
			first = fmt.Errorf(format, args...)
		}
	})
	if first != nil {
		return nil, first
	}
	return opts, nil
}

// checkInvitations reports every bad key of the section, each at its value.
func checkInvitations(c inviteConfig, display string, add addFunc) {
	c.read(display, add)
}

// read turns the section into the gateway's settings. It reports each bad
// key to add at the path of its value and reads on, so that one `check`
// shows an admin every problem of the block, where it is.
func (c inviteConfig) read(display string, add addFunc) *invitation.Options {
	opts := &invitation.Options{
		Zone:        c.zone(display, add),
		ShortNotice: c.shortNotice(add),
		Reminders:   c.reminders(add),
		SummaryTo:   c.summaryTo(add),
	}
	opts.SummarySchedule = c.summarySchedule(add)
	return opts
}

// zone is invitations.zone, else display_timezone; nil (UTC) when neither
// names a zone. A bad display_timezone is reported on its own.
func (c inviteConfig) zone(display string, add addFunc) *time.Location {
	fallback, _ := displayLocation(display) // a bad display_timezone is reported on its own
	if c.Zone == "" {
		return fallback
	}
	loc, err := time.LoadLocation(c.Zone)
	if err != nil {
		add("invitations.zone", "invitations.zone %q: want an IANA zone name such as Europe/Zurich", c.Zone)
		return fallback
	}
	return loc
}

func (c inviteConfig) shortNotice(add addFunc) time.Duration {
	if c.ShortNotice == "" {
		return 0
	}
	d, err := parseDays(c.ShortNotice)
	if err != nil || d <= 0 {
		add("invitations.short_notice", "invitations.short_notice %q: want days (14d) or a duration (336h)", c.ShortNotice)
		return 0
	}
	return d
}

// reminders reads the list one item more at a time: ParseReminders stops at
// its first problem, and this way each bad item (a bad duration, one given
// twice) is reported at its own place in the list.
func (c inviteConfig) reminders(add addFunc) []invitation.Reminder {
	var good []string
	for i, name := range c.Reminders {
		if _, err := invitation.ParseReminders(append(slices.Clip(good), name)); err != nil {
			add(yamlfile.Index("invitations.reminders", i), "invitations.reminders: %v", err)
			continue
		}
		good = append(good, name)
	}
	rs, _ := invitation.ParseReminders(good)
	return rs
}

func (c inviteConfig) summaryTo(add addFunc) string {
	if c.SummaryTo == "" {
		return ""
	}
	if _, err := mail.ParseAddress(c.SummaryTo); err != nil {
		add("invitations.summary_to", "invitations.summary_to %q: want an address such as bureau@example.org", c.SummaryTo)
	}
	return c.SummaryTo
}

func (c inviteConfig) summarySchedule(add addFunc) string {
	if c.SummarySchedule == "" {
		return ""
	}
	if c.SummaryTo == "" {
		add("invitations.summary_schedule", "invitations.summary_schedule is set but summary_to is not: nobody would get the summary")
	}
	if _, err := schedule.Parse(c.SummarySchedule); err != nil {
		add("invitations.summary_schedule", "invitations.summary_schedule: %v", err)
	}
	return c.SummarySchedule
}
