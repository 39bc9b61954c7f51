package imapwatch

import (
	"context"
	"slices"
	"testing"
	"time"
)

// A Sink may take its time to accept a batch (the gateway's intake waits
// there for its senders to make room: queue.Store.HandOff): no command is
// outstanding meanwhile, so the watchdog never cuts the connection, and
// the acknowledgements and the next batches go on over it.
func TestSlowSinkIsNeverCut(t *testing.T) {
	ts := startServer(t, serverOpts{})
	for _, s := range []string{"a", "b", "c"} {
		ts.deliver("INBOX", s, "x", time.Now())
	}
	const stall = 50 * time.Millisecond
	sink := &slowSink{memSink: newMemSink(), takes: 5 * stall}
	cfg := testConfig(t, ts.addr, sink, nil)
	cfg.StallTimeout, cfg.BatchSize = stall, 1
	if err := newSupervisor(t, cfg).SyncOnce(t.Context()); err != nil {
		t.Fatalf("SyncOnce with a Sink slower than the stall timeout: %v", err)
	}
	if got := sink.subjects(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("accepted %q", got)
	}
	if n := len(sink.acked); n != 3 {
		t.Errorf("%d acknowledgements, want one a batch", n)
	}
	if n := ts.logins.Load(); n != 1 {
		t.Errorf("%d logins, want one connection", n)
	}
}

// slowSink accepts each batch after takes, which is beyond the watchdog's
// stall timeout.
type slowSink struct {
	*memSink
	takes time.Duration
}

func (s *slowSink) Accept(ctx context.Context, b Batch) error {
	time.Sleep(s.takes)
	return s.memSink.Accept(ctx, b)
}
