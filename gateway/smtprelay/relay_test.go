package smtprelay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func TestDeliveryReusesConnection(t *testing.T) {
	ts := startServer(t, &testBackend{}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	for i := range 10 {
		res, err := r.Send(context.Background(),
			Envelope{From: "bureau@example.org", To: []string{"gender@example.org"}},
			msg(fmt.Sprint("message ", i)))
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if !reflect.DeepEqual(res.Accepted, []string{"gender@example.org"}) {
			t.Fatalf("send %d accepted %v", i, res.Accepted)
		}
	}
	got := ts.be.messages()
	if len(got) != 10 {
		t.Fatalf("server received %d messages, want 10", len(got))
	}
	if want := "From: bureau@example.org\r\nSubject: message 9\r\n\r\nHello.\r\n"; got[9].Data != want {
		t.Errorf("last body %q, want %q", got[9].Data, want)
	}
	if accepted, _ := ts.listener.counts(); accepted != 1 {
		t.Errorf("server accepted %d connections for 10 messages, want 1", accepted)
	}
}

func TestMaxPerConnection(t *testing.T) {
	ts := startServer(t, &testBackend{}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp"), MaxPerConnection: 3})
	for range 7 {
		if _, err := send(t, r, "a@example.org"); err != nil {
			t.Fatal(err)
		}
	}
	if accepted, _ := ts.listener.counts(); accepted != 3 {
		t.Errorf("7 messages at 3 a connection took %d connections, want 3", accepted)
	}
}

func TestIdleTimeout(t *testing.T) {
	clock := newFakeClock()
	ts := startServer(t, &testBackend{}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp"), IdleTimeout: 30 * time.Second, Now: clock.Now})
	steps := []struct {
		idle     time.Duration
		accepted int
	}{{0, 1}, {30 * time.Second, 1}, {31 * time.Second, 2}, {time.Second, 2}}
	for i, step := range steps {
		clock.Advance(step.idle)
		if _, err := send(t, r, "a@example.org"); err != nil {
			t.Fatal(err)
		}
		if accepted, _ := ts.listener.counts(); accepted != step.accepted {
			t.Errorf("step %d: after %v idle, %d connections, want %d", i, step.idle, accepted, step.accepted)
		}
	}
}

func TestSessionsBound(t *testing.T) {
	// Both sessions must be inside DATA at once before either may finish:
	// the bound is reached, not merely respected by running serially.
	meet := newRendezvous(2)
	be := &testBackend{dataHook: meet.arrive}
	ts := startServer(t, be, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp"), Sessions: 2})
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := send(t, r, "a@example.org")
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	accepted, peak := ts.listener.counts()
	if accepted != 2 || peak != 2 {
		t.Errorf("accepted %d connections, %d at once; want 2 and 2", accepted, peak)
	}
	if got := len(be.messages()); got != n {
		t.Errorf("received %d messages, want %d", got, n)
	}
}

func TestEHLOName(t *testing.T) {
	for _, o := range []serverOpts{{}, {startTLS: true}} {
		ts := startServer(t, &testBackend{}, o)
		cfg := Config{URL: ts.url("smtp"), Hostname: "gw.caucusgate.test"}
		if ts.certPool != nil {
			cfg.TLSConfig = tlsConfigFor(ts)
		}
		r := newRelay(t, cfg)
		if _, err := send(t, r, "a@example.org"); err != nil {
			t.Fatal(err)
		}
		helos := ts.be.hellos()
		if len(helos) == 0 {
			t.Fatal("no EHLO seen")
		}
		for _, h := range helos {
			if h != "gw.caucusgate.test" {
				t.Errorf("startTLS=%v: EHLO %q, want gw.caucusgate.test (all: %q)", o.startTLS, h, helos)
			}
		}
	}
}

func TestTemporaryThenSuccess(t *testing.T) {
	be := &testBackend{dataErrs: []error{&smtp.SMTPError{Code: 451,
		EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Mail server temporarily rejected message."}}}
	ts := startServer(t, be, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	res, err := send(t, r, "a@example.org")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTemporary || e.Code != 451 || e.Enhanced != [3]int{4, 3, 0} {
		t.Fatalf("first send: %v, want a temporary 451 4.3.0", err)
	}
	if !Temporary(err) || len(res.Accepted) != 0 || res.Rejected["a@example.org"] != e {
		t.Errorf("first send: Temporary %v, result %+v", Temporary(err), res)
	}
	if _, err := send(t, r, "a@example.org"); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := len(be.messages()); got != 1 {
		t.Errorf("received %d messages, want 1", got)
	}
	if accepted, _ := ts.listener.counts(); accepted != 1 {
		t.Errorf("the retry took a new connection (%d): a rejected DATA leaves the session usable", accepted)
	}
}

func TestReplyClassification(t *testing.T) {
	tests := []struct {
		name      string
		rcptErr   error
		dataErr   error
		kind      Kind
		temporary bool
	}{
		{"550 unknown user", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "No such user"}, nil, KindPermanent, false},
		{"Gmail daily quota", nil, &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 4, 5},
			Message: "Daily user sending limit exceeded."}, KindQuota, true},
		{"Microsoft 365 daily quota", nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 2, 0},
			Message: "STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message"},
			KindQuota, true},
		{"mailbox full", &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2},
			Message: "Mailbox full"}, nil, KindQuota, true},
		{"greylisting", &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
			Message: "Greylisted"}, nil, KindTemporary, true},
		{"message too big", nil, &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: "Message size exceeds fixed limit"}, KindPermanent, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := &testBackend{rcptErrs: map[string]error{}}
			if tt.rcptErr != nil {
				be.rcptErrs["a@example.org"] = tt.rcptErr
			}
			if tt.dataErr != nil {
				be.dataErrs = []error{tt.dataErr}
			}
			ts := startServer(t, be, serverOpts{})
			r := newRelay(t, Config{URL: ts.url("smtp")})
			_, err := send(t, r, "a@example.org")
			var e *Error
			if !errors.As(err, &e) || e.Kind != tt.kind || Temporary(err) != tt.temporary {
				t.Fatalf("got %v (kind %v), want kind %v, temporary %v", err, KindOf(err), tt.kind, tt.temporary)
			}
		})
	}
}

func TestPerRecipientRejection(t *testing.T) {
	be := &testBackend{rcptErrs: map[string]error{
		"gone@example.org": &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"},
		"full@example.org": &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Over quota"},
	}}
	ts := startServer(t, be, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})

	res, err := send(t, r, "a@example.org", "gone@example.org", "b@example.org")
	if err != nil {
		t.Fatalf("partial delivery returned %v", err)
	}
	if !reflect.DeepEqual(res.Accepted, []string{"a@example.org", "b@example.org"}) ||
		len(res.Rejected) != 1 || res.Rejected["gone@example.org"].Kind != KindPermanent {
		t.Fatalf("result %+v", res)
	}
	if got := be.messages(); len(got) != 1 || !reflect.DeepEqual(got[0].To, res.Accepted) {
		t.Fatalf("server received %+v", got)
	}

	// Every recipient rejected: the error is the most retryable one.
	res, err = send(t, r, "gone@example.org", "full@example.org")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindQuota || e.Code != 452 {
		t.Fatalf("all rejected: %v, want the 452 quota reply", err)
	}
	if len(res.Accepted) != 0 || len(res.Rejected) != 2 {
		t.Errorf("all rejected: result %+v", res)
	}
	// The failed transaction was reset and the session still works.
	if _, err := send(t, r, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	if accepted, _ := ts.listener.counts(); accepted != 1 {
		t.Errorf("%d connections, want 1", accepted)
	}
}

func TestServerDropRedials(t *testing.T) {
	ts := startServer(t, &testBackend{}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	if _, err := send(t, r, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	ts.listener.dropAll()
	if _, err := send(t, r, "b@example.org"); err != nil {
		t.Fatalf("send after the relay dropped the session: %v", err)
	}
	got := ts.be.messages()
	if len(got) != 2 || got[1].To[0] != "b@example.org" {
		t.Fatalf("received %+v", got)
	}
	if accepted, _ := ts.listener.counts(); accepted != 2 {
		t.Errorf("%d connections, want 2", accepted)
	}
}

func TestContextCancelClosesConnection(t *testing.T) {
	gate := newFirstBlocks()
	be := &testBackend{dataHook: gate.hook}
	ts := startServer(t, be, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	t.Cleanup(func() { close(gate.release) })

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := r.Send(ctx, Envelope{From: "b@example.org", To: []string{"a@example.org"}}, msg("x"))
		done <- err
	}()
	<-gate.entered // the relay holds the reply to the final dot
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || KindOf(err) != KindNetwork || !Temporary(err) {
		t.Fatalf("cancelled send: %v, want a temporary network error wrapping context.Canceled", err)
	}
	if _, err := send(t, r, "a@example.org"); err != nil {
		t.Fatalf("send after cancel: %v", err)
	}
	if accepted, _ := ts.listener.counts(); accepted != 2 {
		t.Errorf("%d connections, want 2: the cancelled one must not be reused", accepted)
	}
}

func TestCloseRefusesSends(t *testing.T) {
	ts := startServer(t, &testBackend{}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	if _, err := send(t, r, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := send(t, r, "a@example.org"); !errors.Is(err, ErrClosed) || !Temporary(err) {
		t.Fatalf("send after Close: %v, want ErrClosed, temporary", err)
	}
}

func TestDialFailureIsNetwork(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := newRelay(t, Config{URL: mustURL(t, "smtp://"+addr)})
	_, err = send(t, r, "a@example.org")
	if KindOf(err) != KindNetwork || !Temporary(err) {
		t.Fatalf("dial to a closed port: %v, want a temporary network error", err)
	}
}

func TestBadEnvelope(t *testing.T) {
	r := newRelay(t, Config{URL: mustURL(t, "smtp://127.0.0.1:1")})
	for _, env := range []Envelope{
		{From: "a@example.org"},
		{From: "a@example.org\r\nRCPT TO:<x@evil.example>", To: []string{"b@example.org"}},
		{From: "a@example.org", To: []string{"b@example.org>"}},
		{From: "a@example.org", To: []string{""}},
	} {
		_, err := r.Send(context.Background(), env, msg("x"))
		if KindOf(err) != KindPermanent {
			t.Errorf("envelope %q: %v, want permanent", env, err)
		}
	}
}

func TestConcurrentSendsWithReconnects(t *testing.T) {
	ts := startServer(t, &testBackend{}, serverOpts{})
	// Counted on our side: the relay closes its end a moment after our
	// QUIT is answered, so its count may briefly include a closing one.
	dialer := &countingDialer{addr: ts.addr}
	r := newRelay(t, Config{URL: ts.url("smtp"), Sessions: 3, MaxPerConnection: 5,
		DialContext: dialer.DialContext})
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			if _, err := send(t, r, "a@example.org"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := len(ts.be.messages()); got != 30 {
		t.Errorf("received %d, want 30", got)
	}
	dialer.mu.Lock()
	defer dialer.mu.Unlock()
	if dialer.peak > 3 || dialer.dialled < 6 {
		t.Errorf("%d connections open at once (bound 3), %d dialled (at least 6 for 30 at 5 each)",
			dialer.peak, dialer.dialled)
	}
}

type countingDialer struct {
	addr    string
	mu      sync.Mutex
	open    int
	peak    int
	dialled int
}

func (d *countingDialer) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, d.addr)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.open++
	d.dialled++
	d.peak = max(d.peak, d.open)
	return &dialedConn{Conn: c, d: d}, nil
}

type dialedConn struct {
	net.Conn
	d    *countingDialer
	once sync.Once
}

func (c *dialedConn) Close() error {
	c.once.Do(func() {
		c.d.mu.Lock()
		c.d.open--
		c.d.mu.Unlock()
	})
	return c.Conn.Close()
}

func TestCloseWaitsForSendsInProgress(t *testing.T) {
	gate := newFirstBlocks()
	ts := startServer(t, &testBackend{dataHook: gate.hook}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	sent := make(chan error, 1)
	go func() {
		_, err := send(t, r, "a@example.org")
		sent <- err
	}()
	<-gate.entered
	closed := make(chan error)
	go func() { closed <- r.Close() }()
	close(gate.release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	// The relay records a message before it replies to the final dot, so a
	// Close that waited finds it recorded.
	if got := len(ts.be.messages()); got != 1 {
		t.Fatalf("Close returned with %d messages received, want 1: it did not wait", got)
	}
	if err := <-sent; err != nil {
		t.Fatalf("the send in progress failed: %v", err)
	}
}

func TestFailedTransactionNamesEveryRecipient(t *testing.T) {
	closing := &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Try again later, closing connection."}
	be := &testBackend{
		mailErrs: []error{&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "busy"}},
		rcptErrs: map[string]error{"b@example.org": closing},
	}
	ts := startServer(t, be, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	to := []string{"a@example.org", "b@example.org", "c@example.org"}
	for i, wantCode := range []int{451, 421} {
		res, err := send(t, r, to...)
		if KindOf(err) != KindTemporary || len(res.Accepted) != 0 || len(res.Rejected) != 3 {
			t.Fatalf("attempt %d: %v, result %+v", i, err, res)
		}
		for _, a := range to {
			if res.Rejected[a].Code != wantCode {
				t.Errorf("attempt %d: %s rejected with %v, want %d", i, a, res.Rejected[a], wantCode)
			}
		}
	}
	if got := len(be.messages()); got != 0 {
		t.Errorf("received %d messages, want none", got)
	}
}

func TestRefusedAtEHLO(t *testing.T) {
	be := &testBackend{helloErr: &smtp.SMTPError{Code: 432, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message: "Concurrent connections limit exceeded."}}
	ts := startServer(t, be, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	_, err := send(t, r, "a@example.org")
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindQuota || e.Code != 432 || e.Enhanced != [3]int{4, 3, 2} {
		t.Fatalf("send: %v, want the 432 4.3.2 as a quota error", err)
	}
}

// failingReader yields part of a message, then fails, as a blob store
// losing its connection would.
type failingReader struct{ sent bool }

func (f *failingReader) Read(b []byte) (int, error) {
	if f.sent {
		return 0, errors.New("blob store: connection reset")
	}
	f.sent = true
	return copy(b, "From: bureau@example.org\r\nSubject: half\r\n\r\nThe first half"), nil
}

func TestUnreadableBodyIsNotTruncated(t *testing.T) {
	be := &testBackend{}
	ts := startServer(t, be, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	_, err := r.Send(context.Background(), Envelope{From: "b@example.org", To: []string{"a@example.org"}},
		&failingReader{})
	if KindOf(err) != KindTemporary || !strings.Contains(err.Error(), "blob store") {
		t.Fatalf("send: %v, want a temporary error naming the body's failure", err)
	}
	if _, err := send(t, r, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	got := be.messages()
	if len(got) != 1 || strings.Contains(got[0].Data, "first half") {
		t.Fatalf("received %+v: the truncated message was delivered", got)
	}
	if accepted, _ := ts.listener.counts(); accepted != 2 {
		t.Errorf("%d connections, want 2: the aborted one cannot be reused", accepted)
	}
}
