package imapwatch

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// stallProxy sits between the Supervisor and the server. Frozen, it
// forwards nothing either way, as a SIGSTOPped server process whose kernel
// still holds the TCP connection; trickle slows what the server sends.
type stallProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cond   *sync.Cond
	frozen bool
	chunk  int           // with delay: bytes forwarded per step
	delay  time.Duration // between steps of server-to-client bytes
}

func startStallProxy(t *testing.T, target string) *stallProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, target: target}
	p.cond = sync.NewCond(&p.mu)
	t.Cleanup(func() { ln.Close(); p.thaw() })
	go p.serve()
	return p
}

func (p *stallProxy) addr() string { return p.ln.Addr().String() }

func (p *stallProxy) freeze() { p.mu.Lock(); p.frozen = true; p.mu.Unlock() }

func (p *stallProxy) trickle(chunk int, delay time.Duration) {
	p.mu.Lock()
	p.chunk, p.delay = chunk, delay
	p.mu.Unlock()
}

func (p *stallProxy) thaw() {
	p.mu.Lock()
	p.frozen = false
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *stallProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		go p.pipe(c, s, false)
		go p.pipe(s, c, true)
	}
}

// pipe copies from src to dst, waiting while frozen.
func (p *stallProxy) pipe(dst, src net.Conn, fromServer bool) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for off := 0; off < n; {
			step := n - off
			p.mu.Lock()
			for p.frozen {
				p.cond.Wait()
			}
			chunk, delay := p.chunk, p.delay
			p.mu.Unlock()
			if fromServer && chunk > 0 {
				step = min(step, chunk)
				time.Sleep(delay)
			}
			if _, werr := dst.Write(buf[off : off+step]); werr != nil {
				return
			}
			off += step
		}
		if err != nil {
			return // EOF, or one side closed: close the other
		}
	}
}

// A server that freezes during IDLE is noticed when IDLE ends (IdleCheck)
// and DONE's answer does not come within the stall timeout: reported as
// ErrStalled, and mail that arrived meanwhile is taken once it answers again.
func TestFrozenServerNoticedAndMailResumes(t *testing.T) {
	ts := startServer(t, serverOpts{})
	proxy := startStallProxy(t, ts.addr)
	sink, obs := newMemSink(), newRecObserver()
	cfg := testConfig(t, proxy.addr(), sink, obs)
	cfg.IdleCheck, cfg.StallTimeout = 50*time.Millisecond, 200*time.Millisecond
	runInBackground(t, newSupervisor(t, cfg))
	obs.waitState(t, StateIdle)
	proxy.freeze()
	ts.deliver("INBOX", "while frozen", "x", time.Now())
	waitReason(t, obs, ErrStalled)
	proxy.thaw()
	sink.waitFor(t, "the message to be acknowledged", func() bool { return len(sink.acked) == 1 })
	if got := sink.subjects(); !slices.Equal(got, []string{"while frozen"}) {
		t.Errorf("accepted %q", got)
	}
}

// A fetch whose bytes keep coming is progress, however long it takes.
func TestSlowFetchThatMovesIsNeverCut(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.deliver("INBOX", "big", strings.Repeat("0123456789abcdef\r\n", 2500), time.Now()) // 45 KB
	proxy := startStallProxy(t, ts.addr)
	proxy.trickle(1024, 10*time.Millisecond) // ~0.5 s for the body
	sink, obs := newMemSink(), newRecObserver()
	cfg := testConfig(t, proxy.addr(), sink, obs)
	cfg.StallTimeout = 100 * time.Millisecond
	if err := newSupervisor(t, cfg).SyncOnce(t.Context()); err != nil {
		t.Fatalf("slow but moving fetch: %v", err)
	}
	if got := sink.subjects(); !slices.Equal(got, []string{"big"}) {
		t.Errorf("accepted %q", got)
	}
}

// A command with no answer at all is cut after the stall timeout.
func TestCommandWithNoAnswerIsCut(t *testing.T) {
	ts := startServer(t, serverOpts{})
	proxy := startStallProxy(t, ts.addr)
	sink := &freezingSink{memSink: newMemSink(), freeze: proxy.freeze}
	ts.deliver("INBOX", "a", "x", time.Now())
	cfg := testConfig(t, proxy.addr(), sink, nil)
	cfg.StallTimeout = 100 * time.Millisecond
	err := newSupervisor(t, cfg).SyncOnce(t.Context())
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("SyncOnce = %v, want ErrStalled", err)
	}
}

// freezingSink freezes the server once the first batch is committed: the
// acknowledgement then waits for an answer that never comes.
type freezingSink struct {
	*memSink
	once   sync.Once
	freeze func()
}

func (s *freezingSink) Accept(ctx context.Context, b Batch) error {
	err := s.memSink.Accept(ctx, b)
	s.once.Do(s.freeze)
	return err
}

func waitReason(t *testing.T, obs *recObserver, want error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		obs.mu.Lock()
		found := slices.ContainsFunc(obs.reasons, func(err error) bool { return errors.Is(err, want) })
		obs.mu.Unlock()
		if found {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no reconnect for %v", want)
}
