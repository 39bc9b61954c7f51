package gateway

import (
	"context"
	"sort"

	"caucusgate/gateway/admin"
)

// AckBacklogs are the mailboxes whose server refuses acknowledgements now,
// by name: what /readyz and the metrics report, on the admin page.
func (b *adminBackend) AckBacklogs(context.Context) []admin.AckBacklog {
	var out []admin.AckBacklog
	for name, a := range b.g.health.ackBacklogs() {
		e := admin.AckBacklog{Mailbox: name, Count: a.Count, Since: a.Since}
		if a.Err != nil {
			e.Error = a.Err.Error()
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mailbox < out[j].Mailbox })
	return out
}
