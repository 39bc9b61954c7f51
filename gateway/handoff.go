package gateway

import (
	"context"

	"caucusgate/gateway/imapwatch"
	"caucusgate/queue"
)

// handOff gives the deliveries of a committed batch to the queue's senders
// at once, with each message's bytes still in memory (those it committed),
// rather than leaving them to River's next poll; fetched[i] is msgs[i] as
// fetched: a spooled one is kept mapped until its senders no longer read
// it. Deliveries waiting for a slot stay with River. It may wait a few
// seconds for the senders to make room (backpressure:
// queue.Store.HandOff), which is why Accept calls it after the commit,
// holding no transaction, and why the IMAP supervisor can afford it: no
// command is outstanding while its Sink accepts a batch.
func (in *intake) handOff(ctx context.Context, fetched []imapwatch.Message, msgs []queue.Incoming, outcomes []queue.Outcome) {
	now := in.now()
	offers := make([]queue.Offer, 0, len(outcomes))
	for i, o := range outcomes {
		due := make([]int64, 0, len(o.DeliveryIDs))
		for j, id := range o.DeliveryIDs {
			if j < len(msgs[i].Deliveries) && !msgs[i].Deliveries[j].NotBefore.After(now) {
				due = append(due, id)
			}
		}
		offers = append(offers, queue.Offer{DeliveryIDs: due, Raw: msgs[i].Raw,
			Mapped: fetched[i].Spooled(), Release: fetched[i].Keep()})
	}
	in.store.HandOff(ctx, offers...)
}
