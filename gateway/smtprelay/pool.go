package smtprelay

import (
	"context"
	"sync"
	"time"
)

// pool bounds the sessions open at once. A Send holds a slot for its whole
// transaction; a session is dialled only when no idle one is left, so open
// sessions (in use plus idle) never exceed the slots.
type pool struct {
	slots       chan struct{}
	now         func() time.Time
	idleTimeout time.Duration
	maxPerConn  int

	mu     sync.Mutex
	idle   []*session // most recently used last
	closed bool
}

func newPool(cfg Config) *pool {
	return &pool{
		slots:       make(chan struct{}, cfg.Sessions),
		now:         cfg.Now,
		idleTimeout: cfg.IdleTimeout,
		maxPerConn:  cfg.MaxPerConnection,
	}
}

func (p *pool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pool) release() { <-p.slots }

// take returns the most recently used idle session, closing those idle too
// long: the relay has probably dropped them already, so they are closed
// without a QUIT that could wait for a reply that never comes.
func (p *pool) take() *session {
	p.mu.Lock()
	var stale []*session
	var s *session
	for len(p.idle) > 0 && s == nil {
		s = p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if p.now().Sub(s.idleSince) > p.idleTimeout {
			s.broken = true
			stale, s = append(stale, s), nil
		}
	}
	p.mu.Unlock()
	for _, st := range stale {
		st.close()
	}
	return s
}

// put keeps s for reuse, or closes it when it is broken, has carried its
// share of messages, or the pool is closed.
func (p *pool) put(s *session) {
	p.mu.Lock()
	keep := !p.closed && !s.broken && s.sent < p.maxPerConn
	if keep {
		s.idleSince = p.now()
		p.idle = append(p.idle, s)
	}
	p.mu.Unlock()
	if !keep {
		s.close()
	}
}

// shut marks the pool closed and returns the idle sessions to close.
func (p *pool) shut() []*session {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	return idle
}

func (p *pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}
