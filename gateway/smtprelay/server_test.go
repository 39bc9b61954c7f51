package smtprelay

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"caucusgate/internal/xoauth2"
)

// This file is an in-process SMTP relay for the tests: go-smtp's server over
// real TCP on 127.0.0.1, with a backend that records what it receives and
// replies with the failures a test scripts.

type received struct {
	From string
	To   []string
	Data string
	TLS  bool
}

type testBackend struct {
	mu       sync.Mutex
	msgs     []received
	helos    []string // one per go-smtp session: per EHLO before and after STARTTLS
	auths    []string // "MECH user"
	mailErrs []error  // consumed by MAIL, one each; nil passes
	dataErrs []error  // consumed by DATA, one each; nil passes
	rcptErrs map[string]error
	password string          // PLAIN password for every user; "" offers no PLAIN
	tokens   map[string]bool // XOAUTH2 tokens accepted; nil offers no XOAUTH2
	needAuth bool
	discard  bool
	dataHook func() // called as DATA begins; set before the server starts
	helloErr error  // the reply to every EHLO, when set
}

func (b *testBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if b.helloErr != nil {
		return nil, b.helloErr
	}
	_, isTLS := c.TLSConnectionState()
	b.mu.Lock()
	b.helos = append(b.helos, c.Hostname())
	b.mu.Unlock()
	return &testSession{b: b, tls: isTLS}, nil
}

func (b *testBackend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

func (b *testBackend) hellos() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.helos...)
}

func (b *testBackend) authAttempts() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.auths...)
}

// next pops the first scripted error of list.
func (b *testBackend) next(list *[]error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(*list) == 0 {
		return nil
	}
	err := (*list)[0]
	*list = (*list)[1:]
	return err
}

type testSession struct {
	b      *testBackend
	tls    bool
	authed bool
	msg    received
}

func (s *testSession) Reset()        { s.msg = received{} }
func (s *testSession) Logout() error { return nil }

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.needAuth && !s.authed {
		return smtp.ErrAuthRequired
	}
	if err := s.b.next(&s.b.mailErrs); err != nil {
		return err
	}
	s.msg = received{From: from, TLS: s.tls}
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	err := s.b.rcptErrs[to]
	s.b.mu.Unlock()
	if err != nil {
		return err
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	if s.b.dataHook != nil {
		s.b.dataHook()
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.b.next(&s.b.dataErrs); err != nil {
		return err
	}
	s.msg.Data = string(body)
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if !s.b.discard {
		s.b.msgs = append(s.b.msgs, s.msg)
	}
	return nil
}

func (s *testSession) AuthMechanisms() []string {
	var m []string
	if s.b.password != "" {
		m = append(m, sasl.Plain)
	}
	if s.b.tokens != nil {
		m = append(m, xoauth2.Mechanism)
	}
	return m
}

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error {
			s.b.recordAuth(mech + " " + user)
			if pass != s.b.password {
				return smtp.ErrAuthFailed
			}
			s.authed = true
			return nil
		}), nil
	case xoauth2.Mechanism:
		return &xoauth2Server{s: s}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (b *testBackend) recordAuth(what string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.auths = append(b.auths, what)
}

// xoauth2Server answers a bad token as Google documents: a 334 with a JSON
// status, then 535 once the client sent its empty response.
type xoauth2Server struct {
	s      *testSession
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed {
		if len(resp) != 0 {
			return nil, false, errors.New("want an empty response after the error challenge")
		}
		return nil, false, smtp.ErrAuthFailed
	}
	fields := strings.Split(string(resp), "\x01")
	if len(fields) != 4 || !strings.HasPrefix(fields[0], "user=") ||
		!strings.HasPrefix(fields[1], "auth=Bearer ") || fields[2] != "" || fields[3] != "" {
		return nil, false, smtp.ErrAuthFailed
	}
	user, token := strings.TrimPrefix(fields[0], "user="), strings.TrimPrefix(fields[1], "auth=Bearer ")
	x.s.b.recordAuth(xoauth2.Mechanism + " " + user)
	x.s.b.mu.Lock()
	ok := x.s.b.tokens[token]
	x.s.b.mu.Unlock()
	if !ok {
		x.failed = true
		challenge, _ := json.Marshal(map[string]string{"status": "401", "schemes": "Bearer"})
		return challenge, false, nil
	}
	x.s.authed = true
	return nil, true, nil
}

// rendezvous holds the first n callers of arrive until all n have arrived;
// later callers pass.
type rendezvous struct {
	mu      sync.Mutex
	n       int
	arrived int
	all     chan struct{}
}

func newRendezvous(n int) *rendezvous { return &rendezvous{n: n, all: make(chan struct{})} }

func (r *rendezvous) arrive() {
	r.mu.Lock()
	r.arrived++
	if r.arrived == r.n {
		close(r.all)
	}
	r.mu.Unlock()
	<-r.all
}

// firstBlocks signals entered at its first call, which then waits for
// release; later calls pass.
type firstBlocks struct {
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func newFirstBlocks() *firstBlocks {
	return &firstBlocks{entered: make(chan struct{}), release: make(chan struct{})}
}

func (f *firstBlocks) hook() {
	first := false
	f.once.Do(func() { first = true })
	if first {
		close(f.entered)
		<-f.release
	}
}

// countingListener counts connections accepted and open at once, and can
// drop them all as a relay restarting would.
type countingListener struct {
	net.Listener
	mu       sync.Mutex
	accepted int
	peak     int
	open     map[net.Conn]bool
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accepted++
	cc := &countingConn{Conn: c, l: l}
	l.open[cc] = true
	l.peak = max(l.peak, len(l.open))
	return cc, nil
}

func (l *countingListener) counts() (accepted, peak int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.accepted, l.peak
}

func (l *countingListener) dropAll() {
	l.mu.Lock()
	conns := make([]net.Conn, 0, len(l.open))
	for c := range l.open {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

type countingConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countingConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.open, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

type testServer struct {
	be       *testBackend
	listener *countingListener
	addr     string
	certPool *x509.CertPool
}

type serverOpts struct {
	startTLS     bool // offer STARTTLS
	implicitTLS  bool // TLS from the first byte
	insecureAuth bool
}

func startServer(t testing.TB, be *testBackend, o serverOpts) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: l, open: map[net.Conn]bool{}}
	srv := smtp.NewServer(be)
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = o.insecureAuth
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ts := &testServer{be: be, listener: cl, addr: l.Addr().String()}
	var served net.Listener = cl
	if o.startTLS || o.implicitTLS {
		cert, pool := selfSigned(t)
		ts.certPool = pool
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
		if o.startTLS {
			srv.TLSConfig = cfg
		}
		if o.implicitTLS {
			served = tls.NewListener(cl, cfg)
		}
	}
	go srv.Serve(served)
	t.Cleanup(func() { srv.Close() })
	return ts
}

func (ts *testServer) url(scheme string) *url.URL {
	return &url.URL{Scheme: scheme, Host: ts.addr}
}

// selfSigned makes a certificate for 127.0.0.1 and mail.example.org.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "relay.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"mail.example.org"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// fakeClock drives the limits and idle timeouts: Sleep advances Now.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	c.mu.Unlock()
	c.Advance(d)
	return ctx.Err()
}

func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// newRelay builds a Relay for ts with test defaults and closes it at the
// end of the test.
func newRelay(t testing.TB, cfg Config) *Relay {
	t.Helper()
	if cfg.Hostname == "" {
		cfg.Hostname = "gateway.caucusgate.test"
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func msg(subject string) io.Reader {
	return bytes.NewBufferString("From: bureau@example.org\r\nSubject: " + subject +
		"\r\n\r\nHello.\r\n")
}

func send(t testing.TB, r *Relay, to ...string) (Result, error) {
	t.Helper()
	return r.Send(context.Background(), Envelope{From: "bureau@example.org", To: to}, msg("test"))
}
