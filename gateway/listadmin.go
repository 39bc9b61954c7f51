package gateway

import (
	"context"
	"time"

	"caucusgate/gateway/admin"
	"caucusgate/gateway/bounce"
	"caucusgate/queue"
	"caucusgate/rules"
)

// listStatusCopies is how many of a list caucus's latest copies its row
// on the caucuses page shows.
const listStatusCopies = 5

// listStatusSpan is how far back the caucuses page looks for them.
const listStatusSpan = 30 * 24 * time.Hour

// listStates are the words the admin page shows for what a list did.
var listStates = map[queue.ListState]string{
	queue.ListDistributed: "distributed",
	queue.ListHeld:        "held by the list",
	queue.ListRejected:    "rejected by the list",
	queue.ListNotSeen:     "not seen on the list",
	"":                    "awaiting confirmation",
}

// listStatus is what a list caucus's server did with its latest copies,
// and the warning about its list; nil for a roster.
func (b *adminBackend) listStatus(ctx context.Context, c rules.Caucus) (*admin.ListStatus, error) {
	if c.Address == "" {
		return nil, nil
	}
	st := &admin.ListStatus{}
	warnings, err := b.store().ListWarnings(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		if w.Caucus == c.ID {
			st.Warning = "Answers will not find their way: " + w.Detail
		}
	}
	now := b.g.cfg.Now()
	for _, acct := range b.g.cfg.Accounts {
		copies, err := b.store().ListCopies(ctx, bounce.ListSender(acct.Address, c.ID), now.Add(-listStatusSpan), now.Add(time.Second), listStatusCopies)
		if err != nil {
			return nil, err
		}
		for _, cp := range copies {
			st.Copies = append(st.Copies, admin.ListCopy{Subject: cp.Subject, SentAt: cp.SentAt, State: listStates[cp.State]})
		}
	}
	return st, nil
}
