package queue

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// setRawBudget bounds the bytes s's running hand-off holds; before any
// offer.
func setRawBudget(t testing.TB, s *Store, n int64) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handoff == nil {
		t.Fatal("hand-off not running")
	}
	s.handoff.budget = newRawBudget(n)
}

func heldBytes(s *Store) int64 { return s.currentHandoff().budget.holding() }

// budgetProbe is a slow relay that counts the deliveries sent from the
// hand-off's copy in memory and those read back from the store, and the
// most bytes the hand-off held while it was called.
type budgetProbe struct {
	pathCounter
	held    func() int64
	maxHeld atomic.Int64
}

func (p *budgetProbe) Deliver(ctx context.Context, d Delivery, raw io.Reader) error {
	for held := p.held(); held > p.maxHeld.Load(); {
		if p.maxHeld.CompareAndSwap(p.maxHeld.Load(), held) {
			break
		}
	}
	return p.pathCounter.Deliver(ctx, d, raw)
}

// A backlog committed batch by batch far faster than two slow senders
// send it is sent entirely from memory: each batch's HandOff waits for
// room rather than dropping the bytes (on main, before backpressure, 36 of
// these 40 were read back from the store), and the hand-off never holds
// more than its budget.
func TestBacklogIsSentFromMemoryWithinTheBudget(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		const n, batch = 40, 10
		body := strings.Repeat("x", 1000)
		budget := 3 * int64(len(message(1, "<1@x>", body).Raw))
		done := make(chan DeliveryOutcome, n)
		s := openTest(t, dsn, Options{Workers: 2, OnOutcome: func(o DeliveryOutcome) { done <- o }})
		p := &budgetProbe{held: func() int64 { return heldBytes(s) }}
		if err := s.Start(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		setGrace(t, s, time.Hour) // River's workers take nothing: only the hand-off sends
		setRawBudget(t, s, budget)
		begin(t, s, 7, 0)
		for uid := uint32(1); uid <= n; uid += batch {
			var msgs []Incoming
			for i := range uint32(batch) {
				msgs = append(msgs, message(uid+i, fmt.Sprintf("<%d@x>", uid+i), body, "gender"))
			}
			var offers []Offer
			for i, o := range intake(t, s, 7, msgs...) {
				offers = append(offers, Offer{DeliveryIDs: o.DeliveryIDs, Raw: msgs[i].Raw})
			}
			s.HandOff(context.Background(), offers...)
		}
		waitSent(t, done, n)
		if p.inMemory.Load() != n || p.fromStore.Load() != 0 {
			t.Errorf("%d sent from memory, %d read from the store; want all %d from memory",
				p.inMemory.Load(), p.fromStore.Load(), n)
		}
		if m := p.maxHeld.Load(); m > budget || m == 0 {
			t.Errorf("hand-off held up to %d bytes, want some and at most the budget %d", m, budget)
		}
		// A sender lets an item's bytes go once it has reported its last
		// delivery's outcome: they must all be let go, soon after.
		waitFor(t, "the hand-off to hold no bytes after every delivery", func() (bool, error) {
			return heldBytes(s) == 0, nil
		})
	})
}

func waitSent(t *testing.T, done <-chan DeliveryOutcome, n int) {
	t.Helper()
	deadline := time.After(20 * time.Second) // turns a hang into a failure
	for range n {
		select {
		case o := <-done:
			if o.State != StateSent {
				t.Fatalf("delivery %d %s: %v", o.Delivery.ID, o.State, o.Err)
			}
		case <-deadline:
			t.Fatal("deliveries not all sent")
		}
	}
}

// gatedRelay holds every delivery until open is closed, whatever its
// context says (as a DATA in flight), and records whether each was sent
// from memory.
type gatedRelay struct {
	open     chan struct{}
	started  chan int64
	mu       sync.Mutex
	inMemory map[int64]bool
}

func newGatedRelay() *gatedRelay {
	return &gatedRelay{open: make(chan struct{}), started: make(chan int64, 10), inMemory: map[int64]bool{}}
}

func (g *gatedRelay) Deliver(_ context.Context, d Delivery, raw io.Reader) error {
	g.started <- d.ID
	<-g.open
	_, fromMemory := raw.(*bytes.Reader)
	g.mu.Lock()
	g.inMemory[d.ID] = fromMemory
	g.mu.Unlock()
	_, err := io.Copy(io.Discard, raw)
	return err
}

func (g *gatedRelay) sent(id int64) (sent, fromMemory bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	fromMemory, sent = g.inMemory[id]
	return sent, fromMemory
}

// logSignal closes seen at the first record with message msg.
type logSignal struct {
	msg  string
	once sync.Once
	seen chan struct{}
}

func (h *logSignal) Enabled(context.Context, slog.Level) bool { return true }
func (h *logSignal) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logSignal) WithGroup(string) slog.Handler            { return h }
func (h *logSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.once.Do(func() { close(h.seen) })
	}
	return nil
}

// fullHandOff is a hand-off of one sender, without River's workers, whose
// budget is full: the sender holds message a, the budget's size, in a
// delivery the relay does not answer until it is opened.
type fullHandOff struct {
	s       *Store
	h       *handoff
	relay   *gatedRelay
	opened  sync.Once
	waiting *logSignal // seen once an offer waits for room
	a       int64      // a's delivery
	budget  int64
}

func startFullHandOff(t *testing.T, dsn string) *fullHandOff {
	f := &fullHandOff{relay: newGatedRelay(),
		waiting: &logSignal{msg: "hand-off full: waiting for the senders", seen: make(chan struct{})}}
	f.s = openTest(t, dsn, Options{Logger: slog.New(f.waiting)})
	t.Cleanup(f.open) // before the store's cleanup stops the sender
	f.s.startHandoff(context.Background(), f.relay, 1)
	f.h = f.s.currentHandoff()
	setGrace(t, f.s, time.Hour) // the wait is not what ends
	begin(t, f.s, 7, 0)
	a := message(1, "<a@x>", "first", "gender")
	f.budget = int64(len(a.Raw))
	setRawBudget(t, f.s, f.budget)
	f.a = intake(t, f.s, 7, a)[0].DeliveryIDs[0]
	f.s.HandOff(context.Background(), Offer{DeliveryIDs: []int64{f.a}, Raw: a.Raw})
	if id := <-f.relay.started; id != f.a {
		t.Fatalf("relay got delivery %d, want %d", id, f.a)
	}
	return f
}

func (f *fullHandOff) open() { f.opened.Do(func() { close(f.relay.open) }) }

// offer commits a message of size bytes and hands it off in the
// background; the channel is closed when HandOff returns.
func (f *fullHandOff) offer(t *testing.T, ctx context.Context, uid uint32, size int) (int64, <-chan struct{}) {
	m := message(uid, fmt.Sprintf("<%d@x>", uid), "", "gender")
	m.Raw = append(m.Raw, strings.Repeat("y", size-len(m.Raw))...)
	id := intake(t, f.s, 7, m)[0].DeliveryIDs[0]
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		f.s.HandOff(ctx, Offer{DeliveryIDs: []int64{id}, Raw: m.Raw})
	}()
	return id, returned
}

func waitClosed(t *testing.T, what string, c <-chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(20 * time.Second): // turns a hang into a failure
		t.Fatalf("gave up waiting for %s", what)
	}
}

// A HandOff waiting for room returns, while the senders are still busy,
// when they stop (the offer is left to River), when the caller's context
// ends, or when the batch has waited half the grace (the offer then goes
// without its bytes, read back from the store); the budget never holds
// the waiting message.
func TestWaitingHandOffReturns(t *testing.T) {
	for _, tc := range []struct {
		name string
		// end ends the wait; nil: half the grace ends it.
		end func(f *fullHandOff, cancel context.CancelFunc) (stopped <-chan struct{})
	}{
		{"senders stop", func(f *fullHandOff, _ context.CancelFunc) <-chan struct{} {
			stopped := make(chan struct{})
			go func() { defer close(stopped); f.s.stopHandoff(context.Background()) }() // waits for the relay
			return stopped
		}},
		{"context ends", func(_ *fullHandOff, cancel context.CancelFunc) <-chan struct{} { cancel(); return nil }},
		{"half the grace", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, dsn string) {
				f := startFullHandOff(t, dsn)
				if tc.end == nil {
					setGrace(t, f.s, 100*time.Millisecond)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				b, returned := f.offer(t, ctx, 2, int(f.budget))
				waitClosed(t, "the offer to wait for room", f.waiting.seen)
				var stopped <-chan struct{}
				if tc.end != nil {
					stopped = tc.end(f, cancel)
				}
				waitClosed(t, "HandOff to return", returned)
				if h := f.h.budget.holding(); h != f.budget {
					t.Errorf("hand-off holds %d bytes, want only the first message's %d", h, f.budget)
				}
				f.open()
				if stopped != nil {
					waitClosed(t, "the senders to stop", stopped)
					checkLeftToRiver(t, f, b)
					return
				}
				checkSentFromStore(t, f, b)
			})
		})
	}
}

// checkLeftToRiver checks that the stopped hand-off never sent delivery
// id, and left it pending with its job for River.
func checkLeftToRiver(t *testing.T, f *fullHandOff, id int64) {
	t.Helper()
	if sent, _ := f.relay.sent(id); sent {
		t.Errorf("delivery %d sent by senders that had stopped", id)
	}
	if row := readDelivery(t, f.s, id); row.State != StatePending || row.Started != 0 {
		t.Errorf("delivery = %+v, want pending and never attempted", row)
	}
}

// checkSentFromStore checks that delivery id, offered without its bytes,
// is sent by the hand-off once the relay answers, read from the store.
func checkSentFromStore(t *testing.T, f *fullHandOff, id int64) {
	t.Helper()
	waitFor(t, "the offer sent", func() (bool, error) {
		sent, fromMemory := f.relay.sent(id)
		if sent && fromMemory {
			return false, fmt.Errorf("delivery %d sent from memory, want read back from the store", id)
		}
		return sent, nil
	})
}

// A message bigger than the whole budget is offered at once without its
// bytes, even while the budget is full, rather than waiting for room it
// could only have alone: the senders read it back from the store.
func TestHandOffOfAMessageBiggerThanTheBudgetDoesNotWait(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		f := startFullHandOff(t, dsn)
		big, returned := f.offer(t, context.Background(), 2, int(f.budget)+1)
		waitClosed(t, "HandOff to return", returned)
		if h := f.h.budget.holding(); h != f.budget {
			t.Errorf("hand-off holds %d bytes, want only the first message's %d", h, f.budget)
		}
		f.open()
		checkSentFromStore(t, f, big)
		if sent, fromMemory := f.relay.sent(f.a); !sent || !fromMemory {
			t.Errorf("first delivery sent %v, from memory %v; want sent from memory", sent, fromMemory)
		}
	})
}

// A mapped offer (a spooled literal, off the heap) is held in a budget of
// its own: with the heap's full, it is taken at once, with its bytes, and
// sent from them. Sharing the heap's budget, the messages over 1 MiB held
// it and the small ones waited behind them: run -once on the 284 kB
// corpus forwarded half as fast.
func TestMappedOfferHasABudgetOfItsOwn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		f := startFullHandOff(t, dsn)
		m := message(2, "<mapped@x>", "", "gender")
		m.Raw = append(m.Raw, strings.Repeat("m", 4*int(f.budget))...)
		id := intake(t, f.s, 7, m)[0].DeliveryIDs[0]
		returned := make(chan struct{})
		var released atomic.Bool
		go func() {
			defer close(returned)
			f.s.HandOff(context.Background(), Offer{DeliveryIDs: []int64{id}, Raw: m.Raw, Mapped: true,
				Release: func() { released.Store(true) }})
		}()
		waitClosed(t, "HandOff to return while the heap's budget is full", returned)
		if held := f.h.mapped.holding(); held != int64(len(m.Raw)) {
			t.Errorf("mapped budget holds %d bytes, want the offer's %d", held, len(m.Raw))
		}
		f.open()
		waitFor(t, "the mapped offer sent and released", func() (bool, error) {
			sent, fromMemory := f.relay.sent(id)
			if sent && !fromMemory {
				return false, fmt.Errorf("delivery %d read back from the store, want sent from the mapped bytes", id)
			}
			return sent && released.Load(), nil
		})
	})
}
