package gateway

import (
	"fmt"

	"caucusgate/queue"
	"caucusgate/rules"
)

// onceInBatch relays an answer once when it arrives more than once in one
// batch (a reply-all to the copy's token with the bureau in Cc lands twice
// in the mailbox): the key is the Message-ID and the sender together,
// never a missing Message-ID. Earlier batches are the store's to tell
// (ReplyRelayedBefore).
func onceInBatch(msgs []queue.Incoming, ds []rules.Decision) {
	seen := map[string]bool{}
	for i := range msgs {
		m := &msgs[i]
		if len(m.Pending) == 0 || m.MessageID == "" {
			continue
		}
		key := fmt.Sprintf("%d\x00%s\x00%s\x00%s", m.Pending[0].InvitationRef, m.Pending[0].Caucus, m.MessageID, m.From)
		if !seen[key] {
			seen[key] = true
			continue
		}
		m.Pending, m.RelayThread = nil, ""
		ds[i] = undecided(ds[i], fmt.Sprintf("the same answer (Message-ID %s from %s) arrived twice: relayed once", m.MessageID, m.From))
		m.Decision, m.Caucuses, m.Reason = ds[i].Action.String(), ds[i].Caucuses, ds[i].Reason
	}
}
