package invitation

import "time"

// DefaultShortNotice is invitations.short_notice when not configured.
const DefaultShortNotice = 14 * 24 * time.Hour

// Options are the invitations settings. A nil *Options is equivalent to a
// zero Options value.
type Options struct {
	// Zone is the display zone: days (deadlines, event dates read from text)
	// are days there. Default UTC.
	Zone *time.Location
	// ShortNotice flags an invitation whose notice is shorter. Default
	// DefaultShortNotice.
	ShortNotice time.Duration
	// Reminders go to the caucuses that have not answered, this long
	// before a firm deadline (invitations.reminders). Default none.
	Reminders []Reminder
	// SummaryTo receives the weekly summary (invitations.summary_to).
	// Default none: no summary.
	SummaryTo string
	// SummarySchedule is when the summary goes, a robfig/cron spec.
	// Default DefaultSummarySchedule in Zone.
	SummarySchedule string
}

func (o *Options) zone() *time.Location {
	if o == nil || o.Zone == nil {
		return time.UTC
	}
	return o.Zone
}

func (o *Options) shortNotice() time.Duration {
	if o == nil || o.ShortNotice <= 0 {
		return DefaultShortNotice
	}
	return o.ShortNotice
}

// DefaultSummarySchedule is invitations.summary_schedule when not
// configured: Mondays at 08:00, in the display zone.
const DefaultSummarySchedule = "0 8 * * 1"

// SummarySpec is the summary's schedule: the configured one, or Mondays at
// 08:00 in Zone (UTC when Zone has no IANA name, such as time.Local).
func (o *Options) SummarySpec() string {
	if o != nil && o.SummarySchedule != "" {
		return o.SummarySchedule
	}
	name := o.zone().String()
	if name == "Local" || name == "" {
		name = "UTC"
	}
	return "CRON_TZ=" + name + " " + DefaultSummarySchedule
}

// RemindersOf are the configured reminders, furthest first.
func (o *Options) RemindersOf() []Reminder {
	if o == nil {
		return nil
	}
	return o.Reminders
}
