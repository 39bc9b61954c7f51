package gateway

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"caucusgate/gateway/imapwatch"
)

// readyGrace is how late a mailbox's sync may be before /readyz says so.
const readyGrace = 2 * time.Minute

// ackBacklogLimit is how long the server may refuse acknowledgements
// before /readyz says so: intake goes on meanwhile, but the mailbox fills.
const ackBacklogLimit = imapwatch.DefaultAckAlertAfter

// health tracks each mailbox's last successful sync, for /readyz.
type health struct {
	mu        sync.Mutex
	mailboxes map[string]*mailboxHealth
}

type mailboxHealth struct {
	interval time.Duration // how often it syncs when all is well
	started  time.Time
	synced   time.Time
	state    imapwatch.State
	acks     imapwatch.AckBacklog // acknowledgements the server refuses
}

func newHealth() *health { return &health{mailboxes: map[string]*mailboxHealth{}} }

// watch registers a mailbox and returns the observer its supervisor reports
// to, passing every event on to next too (the metrics).
func (h *health) watch(name string, interval time.Duration, now time.Time, next imapwatch.Observer) imapwatch.Observer {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := &mailboxHealth{interval: interval, started: now}
	h.mailboxes[name] = m
	return &healthObserver{h: h, m: m, next: next}
}

// ready is nil when every mailbox synced within its interval plus grace
// (or, just after start, when the start itself is that recent).
func (h *health) ready(now time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var late []string
	for name, m := range h.mailboxes {
		last := m.synced
		if last.IsZero() {
			last = m.started
		}
		if now.Sub(last) > m.interval+readyGrace {
			late = append(late, fmt.Sprintf("%s (%s, last sync %s)", name, m.state, describeSync(m.synced)))
		}
		if a := m.acks; a.Count > 0 && now.Sub(a.Since) > ackBacklogLimit {
			late = append(late, fmt.Sprintf("%s (%d acknowledgements refused since %s: %v)", name, a.Count, describeSync(a.Since), a.Err))
		}
	}
	if len(late) == 0 {
		return nil
	}
	sort.Strings(late)
	return fmt.Errorf("mailboxes not synced in time: %s", strings.Join(late, "; "))
}

// ackBacklogs reports, by mailbox, the acknowledgements the server refuses
// now: what the admin page shows.
func (h *health) ackBacklogs() map[string]imapwatch.AckBacklog {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]imapwatch.AckBacklog{}
	for name, m := range h.mailboxes {
		if m.acks.Count > 0 {
			out[name] = m.acks
		}
	}
	return out
}

func describeSync(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

type healthObserver struct {
	h    *health
	m    *mailboxHealth
	next imapwatch.Observer
}

func (o *healthObserver) State(s imapwatch.State) {
	o.h.mu.Lock()
	o.m.state = s
	o.h.mu.Unlock()
	if o.next != nil {
		o.next.State(s)
	}
}

func (o *healthObserver) Synced(at time.Time) {
	o.h.mu.Lock()
	o.m.synced = at
	o.h.mu.Unlock()
	if o.next != nil {
		o.next.Synced(at)
	}
}

func (o *healthObserver) Reconnect(reason error) {
	if o.next != nil {
		o.next.Reconnect(reason)
	}
}

func (o *healthObserver) AuthFailed(err error) {
	if o.next != nil {
		o.next.AuthFailed(err)
	}
}

func (o *healthObserver) AckBacklog(b imapwatch.AckBacklog) {
	o.h.mu.Lock()
	o.m.acks = b
	o.h.mu.Unlock()
	if next, ok := o.next.(imapwatch.AckObserver); ok {
		next.AckBacklog(b)
	}
}
