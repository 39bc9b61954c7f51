package gateway

import "caucusgate/queue"

// handOff gives the deliveries of a committed batch to the queue's senders
// at once, with each message's bytes still in memory (those it committed),
// rather than leaving them to River's next poll. Deliveries waiting for a
// slot stay with River.
func (in *intake) handOff(msgs []queue.Incoming, outcomes []queue.Outcome) {
	now := in.now()
	for i, o := range outcomes {
		due := make([]int64, 0, len(o.DeliveryIDs))
		for j, id := range o.DeliveryIDs {
			if j < len(msgs[i].Deliveries) && !msgs[i].Deliveries[j].NotBefore.After(now) {
				due = append(due, id)
			}
		}
		in.store.HandOff(due, msgs[i].Raw)
	}
}
