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
