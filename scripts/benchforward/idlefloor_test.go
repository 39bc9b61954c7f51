package benchforward

import (
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"caucusgate/internal/mailstack"
)

// floorMailbox is where the server's own IDLE latency is measured: a
// mailbox nobody else touches, so that no other session's change (the
// daemon's MOVE out of the INBOX) starts the server's notification timer
// early and flatters the figure.
const floorMailbox = "Floor"

// measureIdleFloor appends n messages to floorMailbox, one a second, with
// a bare client idling on it, and returns for each the time from the
// APPEND's tagged OK to the EXISTS pushed to the idling client: the least
// any IDLE client of this server can see new mail in. Dovecot delays that
// push on purpose (NOTIFY_DELAY_MSECS, 500 ms after the first change, in
// src/lib-storage/mailbox-watch.c of Dovecot 2.3).
func measureIdleFloor(t *testing.T, s *mailstack.Stack, c *imapclient.Client, n int) []time.Duration {
	t.Helper()
	if err := c.Create(floorMailbox, nil).Wait(); err != nil {
		t.Fatalf("create %s: %v", floorMailbox, err)
	}
	o := observeIdle(t, s, floorMailbox)
	var floor []time.Duration
	for i := 1; i <= n; i++ {
		time.Sleep(time.Second)
		sent := time.Now()
		arrived := appendProbe(t, c, floorMailbox, warmUpID+100+i)
		if exists, ok := o.firstAfter(sent, 2*time.Second); ok {
			floor = append(floor, exists.Sub(arrived))
		}
	}
	if len(floor) == 0 {
		t.Fatalf("the idling client saw none of %d appends to %s", n, floorMailbox)
	}
	return floor
}

// idleObserver is a bare IMAP client idling on a mailbox; it stamps every
// EXISTS the server pushes.
type idleObserver struct {
	mu     sync.Mutex
	exists []time.Time
}

// observeIdle logs in as the bureau on a session of its own, selects
// mailbox and idles until the test ends.
func observeIdle(t *testing.T, s *mailstack.Stack, mailbox string) *idleObserver {
	t.Helper()
	o := &idleObserver{}
	opts := &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				o.stamp(time.Now())
			}
		},
	}}
	c, err := imapclient.DialInsecure(s.IMAPAddr, opts)
	if err != nil {
		t.Fatalf("observer: dial imap: %v", err)
	}
	if err := c.Login(bureau, s.Password).Wait(); err != nil {
		t.Fatalf("observer: log in: %v", err)
	}
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		t.Fatalf("observer: select %s: %v", mailbox, err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatalf("observer: idle: %v", err)
	}
	t.Cleanup(func() {
		idle.Close()
		c.Close()
	})
	return o
}

func (o *idleObserver) stamp(at time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.exists = append(o.exists, at)
}

// firstAfter returns the first EXISTS stamped at or after t, waiting up to
// timeout for it.
func (o *idleObserver) firstAfter(t time.Time, timeout time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(timeout)
	for {
		o.mu.Lock()
		for _, at := range o.exists {
			if !at.Before(t) {
				o.mu.Unlock()
				return at, true
			}
		}
		o.mu.Unlock()
		if time.Now().After(deadline) {
			return time.Time{}, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
