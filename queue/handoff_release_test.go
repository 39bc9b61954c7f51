package queue

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// releaseCounter is an Offer's Release that counts its calls.
type releaseCounter struct{ calls atomic.Int32 }

func (r *releaseCounter) release() { r.calls.Add(1) }

func (r *releaseCounter) check(t *testing.T, when string, want int32) {
	t.Helper()
	if got := r.calls.Load(); got != want {
		t.Errorf("%s: Release called %d times, want %d", when, got, want)
	}
}

// releaseHandOff is a running hand-off of one sender, without River's
// workers, whose relay holds each delivery until open is called.
func releaseHandOff(t *testing.T, dsn string) (s *Store, relay *gatedRelay, open func()) {
	s = openTest(t, dsn, Options{})
	relay = newGatedRelay()
	var once sync.Once
	open = func() { once.Do(func() { close(relay.open) }) }
	t.Cleanup(open) // before the store's cleanup stops the sender
	s.startHandoff(context.Background(), relay, 1)
	setGrace(t, s, time.Hour)
	begin(t, s, 7, 0)
	return s, relay, open
}

// offerOne commits and offers a message; the subtests share their
// backend's store, so each offers its own UIDs.
func offerOne(t *testing.T, s *Store, uid uint32, r *releaseCounter) (int64, []byte) {
	m := message(uid, fmt.Sprintf("<%d@x>", uid), "body", "gender")
	id := intake(t, s, 7, m)[0].DeliveryIDs[0]
	s.HandOff(context.Background(), Offer{DeliveryIDs: []int64{id}, Raw: m.Raw, Release: r.release})
	return id, m.Raw
}

// An Offer's bytes are released once, only when nothing reads them any
// more: after its deliveries are sent; at once when the hand-off does not
// take them (too big for the budget, no senders running); when the
// senders stop with the offer still queued. The gateway unmaps a spooled
// message on that release: one too early is a crash, one missing a leak.
func TestOfferReleasesItsBytesOnceNotRead(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		t.Run("after the send", func(t *testing.T) {
			s, relay, open := releaseHandOff(t, dsn)
			var r releaseCounter
			id, _ := offerOne(t, s, 11, &r)
			if got := <-relay.started; got != id {
				t.Fatalf("relay got delivery %d, want %d", got, id)
			}
			r.check(t, "while the relay reads the message", 0)
			open()
			waitFor(t, "the release after the send", func() (bool, error) { return r.calls.Load() > 0, nil })
			if sent, fromMemory := relay.sent(id); !sent || !fromMemory {
				t.Errorf("delivery sent %v, from memory %v; want sent from the offered bytes", sent, fromMemory)
			}
			r.check(t, "after the send", 1)
		})
		t.Run("bigger than the budget", func(t *testing.T) {
			s, _, _ := releaseHandOff(t, dsn)
			setRawBudget(t, s, 10)
			var r releaseCounter
			offerOne(t, s, 21, &r)
			r.check(t, "when HandOff returns", 1)
		})
		t.Run("no senders", func(t *testing.T) {
			s := openTest(t, dsn, Options{})
			begin(t, s, 7, 0)
			var r releaseCounter
			offerOne(t, s, 31, &r)
			r.check(t, "when HandOff returns", 1)
		})
		t.Run("queued at the stop", func(t *testing.T) {
			s, relay, open := releaseHandOff(t, dsn)
			var first, queued releaseCounter
			offerOne(t, s, 41, &first)
			<-relay.started
			id, _ := offerOne(t, s, 42, &queued)
			h := s.currentHandoff()
			stopped := make(chan struct{})
			go func() { defer close(stopped); s.stopHandoff(context.Background()) }()
			waitFor(t, "the stop to begin", func() (bool, error) { return stopping(h), nil })
			open()
			waitClosed(t, "the senders to stop", stopped)
			first.check(t, "after the stop", 1)
			queued.check(t, "after the stop", 1)
			if sent, _ := relay.sent(id); sent {
				t.Errorf("queued delivery %d sent by senders that were stopping", id)
			}
		})
	})
}
