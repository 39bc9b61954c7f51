package imapwatch

import "time"

// headerCost is what an oversize message, fetched header-only, is counted
// as against Config.BatchBytes: its header size is unknown beforehand.
const headerCost = 64 << 10

// meta is what the first, cheap FETCH tells of a new message.
type meta struct {
	uid     uint32
	size    int64
	date    time.Time // INTERNALDATE
	suspect string    // see Message.Suspect
}

// limits bound one batch.
type limits struct {
	count   int
	bytes   int64
	message int64 // above it a message is fetched header-only
}

func (l limits) oversize(m meta) bool { return m.size > l.message }

func (l limits) cost(m meta) int64 {
	if l.oversize(m) {
		return headerCost
	}
	return m.size
}

// planBatches splits metas, in UID order, into batches of at most l.count
// messages and l.bytes bytes. A message larger than l.bytes on its own gets
// a batch of its own rather than never being fetched.
func planBatches(metas []meta, l limits) [][]meta {
	var (
		batches [][]meta
		cur     []meta
		bytes   int64
	)
	for _, m := range metas {
		c := l.cost(m)
		if len(cur) > 0 && (len(cur) >= l.count || bytes+c > l.bytes) {
			batches = append(batches, cur)
			cur, bytes = nil, 0
		}
		cur = append(cur, m)
		bytes += c
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches
}
