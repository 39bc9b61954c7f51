package gateway

import (
	"sync"

	"caucusgate/gateway/metrics"
	"caucusgate/gateway/smtprelay"
	"caucusgate/queue"
)

// events counts what the gateway did since it started: `run -once` reports
// from it and decides its exit status by it.
type events struct {
	metrics *metrics.Metrics // nil: not counted for Prometheus

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

func newEvents(m *metrics.Metrics) *events {
	return &events{metrics: m, decisions: map[string]int{}}
}

func (e *events) fetched(account, mailbox string, n int) {
	if e.metrics == nil {
		return
	}
	for range n {
		e.metrics.MessageFetched(account, mailbox)
	}
}

func (e *events) decided(decision string) {
	e.mu.Lock()
	e.decisions[decision]++
	e.mu.Unlock()
	if e.metrics != nil {
		e.metrics.Decided(decision)
	}
}

func (e *events) attempted(err error) {
	result := deliveryResult(err)
	e.mu.Lock()
	switch result {
	case metrics.Sent:
		e.delivered++
	case metrics.Deferred:
		e.deferred++
	default:
		e.failed++
	}
	e.mu.Unlock()
	if e.metrics != nil {
		e.metrics.Delivery(result)
	}
}

func deliveryResult(err error) metrics.DeliveryResult {
	switch {
	case err == nil:
		return metrics.Sent
	case smtprelay.Temporary(err) && !queue.IsPermanent(err):
		return metrics.Deferred
	}
	return metrics.Failed
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
