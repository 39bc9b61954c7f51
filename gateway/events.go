package gateway

import (
	"sync"

	"caucusgate/gateway/smtprelay"
	"caucusgate/queue"
)

// events counts what the gateway did since it started: `run -once` reports
// from it and decides its exit status by it.
type events struct {
	mu        sync.Mutex
	decisions map[string]int
	delivered int
	deferred  int
	failed    int
}

// Summary is what a run did.
type Summary struct {
	Decisions map[string]int // by decision word (forward, hold, ...)
	Delivered int            // copies the relay accepted
	Deferred  int            // attempts that will be retried
	Failed    int            // deliveries that failed permanently
}

func newEvents() *events { return &events{decisions: map[string]int{}} }

func (e *events) decided(decision string) {
	e.mu.Lock()
	e.decisions[decision]++
	e.mu.Unlock()
}

func (e *events) attempted(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case err == nil:
		e.delivered++
	case smtprelay.Temporary(err) && !queue.IsPermanent(err):
		e.deferred++
	default:
		e.failed++
	}
}

func (e *events) summary() Summary {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := Summary{Decisions: map[string]int{}, Delivered: e.delivered, Deferred: e.deferred, Failed: e.failed}
	for k, v := range e.decisions {
		s.Decisions[k] = v
	}
	return s
}
