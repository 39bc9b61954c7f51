package queue

import "sync"

// rawBudget bounds the bytes of messages the hand-off holds: from the
// offer until the senders are done with every delivery of the message.
// An offer waits for room (HandOff) rather than dropping its bytes, which
// the senders would then read back from the store.
type rawBudget struct {
	limit int64 // set before the first offer, never changed
	mu    sync.Mutex
	held  int64
	freed chan struct{} // closed, and replaced, at every release
}

func newRawBudget(limit int64) *rawBudget {
	return &rawBudget{limit: limit, freed: make(chan struct{})}
}

// take holds n bytes if they fit beside those held. When they do not, it
// returns a channel closed at the next release, to wait on before trying
// again.
func (b *rawBudget) take(n int64) (ok bool, freed <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held+n > b.limit {
		return false, b.freed
	}
	b.held += n
	return true, nil
}

// release gives back n bytes taken, and wakes every offer waiting: each
// tries again, so several intakes (one per mailbox) share the room.
func (b *rawBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held -= n
	close(b.freed)
	b.freed = make(chan struct{})
}

// holding reports the bytes held now.
func (b *rawBudget) holding() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.held
}
