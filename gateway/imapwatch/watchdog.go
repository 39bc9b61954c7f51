package imapwatch

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrStalled says the watchdog closed a connection: a command was
// outstanding for Config.StallTimeout and not one byte came back.
var ErrStalled = errors.New("IMAP server stalled: no byte received while a command was outstanding")

// watchConn is the net.Conn under go-imap (beneath TLS). go-imap beta.8
// has no per-command deadline: it sets read and write timeouts only once
// a response has begun and allows 5 minutes per literal, so a frozen
// server (SIGSTOP, a hung storage backend) holds a command forever. The
// watchdog measures progress, not duration: any byte received resets it,
// so a slow 25 MiB fetch that keeps moving is never cut.
type watchConn struct {
	net.Conn
	lastRead atomic.Int64 // monotonic nanoseconds (since born) of the last byte received
	armedAt  atomic.Int64 // when a write armed it; -1: quiet, nothing is awaited
	stalled  atomic.Bool
	born     time.Time
	stop     chan struct{}
	stopOnce sync.Once
}

func newWatchConn(c net.Conn) *watchConn {
	w := &watchConn{Conn: c, born: time.Now(), stop: make(chan struct{})}
	return w // armed from birth: the greeting is awaited
}

func (w *watchConn) clock() int64 { return int64(time.Since(w.born)) }

func (w *watchConn) Read(b []byte) (int, error) {
	n, err := w.Conn.Read(b)
	if n > 0 {
		w.lastRead.Store(w.clock())
	}
	return n, err
}

// Write arms the watchdog: a command (or IDLE's DONE) now awaits an answer.
func (w *watchConn) Write(b []byte) (int, error) {
	w.armedAt.CompareAndSwap(-1, w.clock())
	return w.Conn.Write(b)
}

// quiet disarms the watchdog while nothing is awaited: during IDLE, between
// polls, while the Sink commits a batch.
func (w *watchConn) quiet() { w.armedAt.Store(-1) }

// silence is how long an awaited answer has been silent; 0 when quiet.
func (w *watchConn) silence() time.Duration {
	armed := w.armedAt.Load()
	if armed < 0 {
		return 0
	}
	return time.Duration(w.clock() - max(armed, w.lastRead.Load()))
}

// watch closes the connection once it has been silent for timeout while a
// command was outstanding, which fails that command and every later one.
func (w *watchConn) watch(timeout time.Duration, log *slog.Logger) {
	t := time.NewTicker(watchdogTick(timeout))
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		if d := w.silence(); d >= timeout {
			w.stalled.Store(true)
			log.Warn("IMAP server stalled; closing the connection to reconnect", "silent_for", d.Round(time.Millisecond))
			w.Conn.Close()
			return
		}
	}
}

// watchdogTick is how often the watchdog looks: a stall is noticed at most
// this long after it reaches the timeout.
func watchdogTick(timeout time.Duration) time.Duration { return max(timeout/8, time.Millisecond) }

func (w *watchConn) end() { w.stopOnce.Do(func() { close(w.stop) }) }

// stallErr turns the error of a command the watchdog cut into ErrStalled.
func (w *watchConn) stallErr(err error) error {
	if err != nil && w.stalled.Load() && !errors.Is(err, ErrStalled) {
		return errors.Join(ErrStalled, err)
	}
	return err
}
