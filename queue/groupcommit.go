package queue

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Group commit: the short transactions that concurrent senders make
// around each attempt (the claim before it, the result after it) run
// together in one transaction when they arrive together, so that one
// commit, one WAL append and one fsync serve several deliveries. SQLite
// has one connection, so those transactions ran one after another anyway;
// each commit cost a WAL write and an fsync, and they were about an eighth
// of the process's CPU when forwarding (issue 12).
//
// Nobody waits for a group to fill: the first caller leads and commits at
// once what has arrived, itself included; callers arriving meanwhile form
// the next group, led by the first of them. A caller returns when its own
// work is committed (or has failed), so what it records is as durable as
// with a transaction of its own. If any work of a group fails, the group
// is rolled back and each work runs again in a transaction of its own, so
// that one caller's error (a compare-and-set that lost, a constraint)
// never becomes another's: works must therefore be safe to run twice,
// setting their results anew on each run.
//
// PostgreSQL runs concurrent transactions in parallel and groups its WAL
// flushes itself, but each transaction still costs its BEGIN and COMMIT
// round trips and the server's commit: grouped there too, run -once
// forwarded 31.7 → 40.9 msg/s (284 kB corpus) and 43.0 → 48.3 (~100 kB),
// with 7.77 → 7.14 and 5.36 → 5.13 ms of CPU a message (scripts/benchforward's
// pg row, medians of 3, issue 12). A group's row locks are held a little
// longer; two instances' groups that deadlock are rolled back by the
// server, and their works run again alone like any failed group's.
type groupCommit struct {
	mu      sync.Mutex
	pending []*groupWork
	leading bool // a caller is committing a group
	groups  int  // groups committed, for tests
}

// groupWork is one caller's transaction body, and where its result goes.
type groupWork struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error // the result, or errLeadNext
}

// errLeadNext tells a waiting caller that it leads the next group.
var errLeadNext = errors.New("lead the next group")

// inGroupTx runs fn in a transaction that may be shared with other callers'
// (see groupCommit) and returns once fn's work is committed or has failed.
func (s *Store) inGroupTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	g := &s.group
	w := &groupWork{ctx: ctx, fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, w)
	if g.leading {
		g.mu.Unlock()
		if err := <-w.done; !errors.Is(err, errLeadNext) {
			return err
		}
		g.mu.Lock()
	}
	g.leading = true
	group := g.pending
	g.pending = nil
	g.mu.Unlock()

	s.commitGroup(group)

	g.mu.Lock()
	g.groups++
	if len(g.pending) > 0 {
		g.pending[0].done <- errLeadNext
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	return <-w.done
}

// commitGroup runs the works of a group in one transaction and gives each
// its result; if any fails, each runs again alone.
func (s *Store) commitGroup(group []*groupWork) {
	if len(group) == 1 {
		group[0].done <- s.inTx(group[0].ctx, group[0].fn)
		return
	}
	// The transaction outlives any one caller's context: each work's
	// statements use its own.
	err := s.inTx(context.WithoutCancel(group[0].ctx), func(tx *sql.Tx) error {
		for _, w := range group {
			if err := w.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, w := range group {
			w.done <- nil
		}
		return
	}
	for _, w := range group {
		w.done <- s.inTx(w.ctx, w.fn)
	}
}
