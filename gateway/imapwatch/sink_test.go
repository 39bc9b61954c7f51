package imapwatch

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// memSink is the store as the Supervisor sees it, in memory, recording
// every call. It stands in for the store package, whose contract is the
// Sink interface, not a wire protocol.
type memSink struct {
	mu        sync.Mutex
	watermark map[uint32]uint32          // by UIDVALIDITY
	unacked   map[uint32]map[uint32]bool // by UIDVALIDITY, UID
	epochs    []Epoch
	batches   []Batch
	acked     [][]uint32
	// failAck, if set, is returned once by MarkAcked: a crash between
	// commit and acknowledgement.
	failAck    error
	changed    chan struct{}
	began      map[uint32]time.Time // when each epoch began
	recognised int                  // Recognise calls
}

var _ Sink = (*memSink)(nil)

func newMemSink() *memSink {
	return &memSink{
		watermark: map[uint32]uint32{},
		unacked:   map[uint32]map[uint32]bool{},
		began:     map[uint32]time.Time{},
		changed:   make(chan struct{}, 1),
	}
}

func (s *memSink) Position(_ context.Context, _ string, uv uint32) (Position, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	last, known := s.watermark[uv]
	pos := Position{Known: known, AnyEpoch: len(s.watermark) > 0, LastUID: last}
	if len(s.epochs) > 0 {
		pos.Start = s.epochs[0].Start
	}
	for _, e := range s.epochs {
		if e.UIDValidity == uv {
			pos.FingerprintBelow, pos.Began = e.FingerprintBelow, s.began[uv]
		}
	}
	return pos, nil
}

// Recognise knows a message by its Message-ID line, accepted under
// another UIDVALIDITY: the store's fallback fingerprint, simplified.
func (s *memSink) Recognise(_ context.Context, _ string, uv uint32, headers map[uint32][]byte) (map[uint32]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recognised++
	known := map[uint32]bool{}
	for uid, h := range headers {
		id := messageIDOf(h)
		for _, b := range s.batches {
			for _, m := range b.Messages {
				if b.UIDValidity != uv && id != "" && messageIDOf(m.Raw) == id {
					known[uid] = true
				}
			}
		}
	}
	return known, nil
}

func messageIDOf(raw []byte) string {
	for _, line := range strings.Split(string(raw), "\r\n") {
		if id, ok := strings.CutPrefix(line, "Message-ID: "); ok {
			return id
		}
	}
	return ""
}

func (s *memSink) BeginEpoch(_ context.Context, _ string, e Epoch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epochs = append(s.epochs, e)
	s.watermark[e.UIDValidity] = e.LastUID
	s.began[e.UIDValidity] = time.Now()
	return nil
}

func (s *memSink) Accept(_ context.Context, b Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches = append(s.batches, b)
	s.watermark[b.UIDValidity] = b.LastUID()
	if s.unacked[b.UIDValidity] == nil {
		s.unacked[b.UIDValidity] = map[uint32]bool{}
	}
	for _, m := range b.Messages {
		s.unacked[b.UIDValidity][m.UID] = true
	}
	s.notify()
	return nil
}

func (s *memSink) Unacked(_ context.Context, _ string, uv uint32) ([]uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var uids []uint32
	for uid := range s.unacked[uv] {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	return uids, nil
}

func (s *memSink) MarkAcked(_ context.Context, _ string, uv uint32, uids []uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failAck; err != nil {
		s.failAck = nil
		return err
	}
	for _, uid := range uids {
		delete(s.unacked[uv], uid)
	}
	s.acked = append(s.acked, slices.Clone(uids))
	s.notify()
	return nil
}

func (s *memSink) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// subjects lists the Subject of every accepted message, in order.
func (s *memSink) subjects() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, b := range s.batches {
		for _, m := range b.Messages {
			out = append(out, subjectOf(m.Raw))
		}
	}
	return out
}

func (s *memSink) snapshot() (epochs []Epoch, batches []Batch, acked [][]uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.epochs), slices.Clone(s.batches), slices.Clone(s.acked)
}

// waitFor blocks until cond holds. The deadline only keeps a broken test
// from hanging; nothing asserts how fast the Supervisor is.
func (s *memSink) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		s.mu.Lock()
		ok := cond()
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func subjectOf(raw []byte) string {
	for _, line := range strings.Split(string(raw), "\r\n") {
		if subject, ok := strings.CutPrefix(line, "Subject: "); ok {
			return subject
		}
	}
	return ""
}

// recObserver records events and lets a test wait for a state.
type recObserver struct {
	mu      sync.Mutex
	states  []State
	reasons []error
	auth    []error
	synced  int
	stateCh chan State
	backlog int   // the last acknowledgement backlog reported
	ackErr  error // and why it is there
}

func newRecObserver() *recObserver { return &recObserver{stateCh: make(chan State, 64)} }

func (o *recObserver) State(s State) {
	o.mu.Lock()
	o.states = append(o.states, s)
	o.mu.Unlock()
	select {
	case o.stateCh <- s:
	default:
	}
}

func (o *recObserver) Synced(time.Time) { o.mu.Lock(); o.synced++; o.mu.Unlock() }

func (o *recObserver) Reconnect(err error) {
	o.mu.Lock()
	o.reasons = append(o.reasons, err)
	o.mu.Unlock()
}

func (o *recObserver) AuthFailed(err error) { o.mu.Lock(); o.auth = append(o.auth, err); o.mu.Unlock() }

func (o *recObserver) AckBacklog(b AckBacklog) {
	o.mu.Lock()
	o.backlog, o.ackErr = b.Count, b.Err
	o.mu.Unlock()
}

func (o *recObserver) waitState(t *testing.T, want State) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case s := <-o.stateCh:
			if s == want {
				return
			}
		case <-deadline:
			t.Fatalf("gave up waiting for state %v", want)
		}
	}
}
