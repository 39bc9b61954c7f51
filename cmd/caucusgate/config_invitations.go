package main

import (
	"fmt"
	"net/mail"

	"caucusgate/gateway/invitation"
	"caucusgate/rules/schedule"
)

// followUp reads the keys that follow invitations up after they went out:
// invitations.reminders, summary_to and summary_schedule.
func (c inviteConfig) followUp(opts *invitation.Options) error {
	rs, err := invitation.ParseReminders(c.Reminders)
	if err != nil {
		return fmt.Errorf("invitations.reminders: %w", err)
	}
	opts.Reminders = rs
	if c.SummaryTo != "" {
		if _, err := mail.ParseAddress(c.SummaryTo); err != nil {
			return fmt.Errorf("invitations.summary_to %q: want an address such as bureau@example.org", c.SummaryTo)
		}
	}
	if c.SummarySchedule != "" && c.SummaryTo == "" {
		return fmt.Errorf("invitations.summary_schedule is set but summary_to is not: nobody would get the summary")
	}
	opts.SummaryTo, opts.SummarySchedule = c.SummaryTo, c.SummarySchedule
	if _, err := schedule.Parse(opts.SummarySpec()); err != nil {
		return fmt.Errorf("invitations.summary_schedule: %w", err)
	}
	return nil
}
