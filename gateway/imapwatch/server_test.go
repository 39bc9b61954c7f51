package imapwatch

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

const (
	testUser = "bureau@example.org"
	testPass = "s3cret-pass"
)

// serverOpts shapes the in-process server.
type serverOpts struct {
	caps      imap.CapSet         // nil: IMAP4rev2 (MOVE, UIDPLUS, IDLE implied)
	noIdle    bool                // hide IDLE from CAPABILITY (needs an IMAP4rev1-only caps)
	rewrite   func([]byte) []byte // edits what the server writes
	mechs     []string            // SASL mechanisms; nil: the server's default (PLAIN)
	goodToken string              // bearer token accepted by XOAUTH2 and OAUTHBEARER
	tls       *tls.Config         // STARTTLS offered when set
	implicit  bool                // with tls: implicit TLS listener instead of STARTTLS
	listenOn  string              // default 127.0.0.1:0
	refuse    string              // a mailbox COPY and MOVE refuse with a plain NO
	namespace string              // personal namespace prefix, as Cyrus's "INBOX."
}

// testServer is go-imap's imapmemserver behind a real TCP listener.
type testServer struct {
	t      *testing.T
	opts   serverOpts
	user   *imapmemserver.User
	ln     *trackingListener
	addr   string
	logins atomic.Int32 // LOGIN and AUTHENTICATE attempts
	mu     sync.Mutex
	mechs  []string     // how each attempt authenticated: LOGIN or a SASL mechanism
	refuse atomic.Value // string: the mailbox COPY and MOVE refuse now
}

func (ts *testServer) attempt(mech string) {
	ts.logins.Add(1)
	ts.mu.Lock()
	ts.mechs = append(ts.mechs, mech)
	ts.mu.Unlock()
}

func startServer(t *testing.T, opts serverOpts) *testServer {
	t.Helper()
	ts := &testServer{t: t, opts: opts, user: imapmemserver.NewUser(testUser, testPass)}
	ts.refuse.Store(opts.refuse)
	if err := ts.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	caps := opts.caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev2: {}}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &testSession{UserSession: imapmemserver.NewUserSession(ts.user), ts: ts}, nil, nil
		},
		Caps:         caps,
		InsecureAuth: opts.tls == nil,
		TLSConfig:    opts.tls,
		Logger:       discardLogger{},
	})
	listenOn := opts.listenOn
	if listenOn == "" {
		listenOn = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", listenOn)
	if err != nil {
		t.Fatal(err)
	}
	var inner net.Listener = ln
	if opts.tls != nil && opts.implicit {
		inner = tls.NewListener(ln, opts.tls)
	}
	ts.ln = &trackingListener{Listener: inner, rewrite: opts.rewrite}
	if opts.noIdle {
		ts.ln.rewrite = hideIdle
	}
	ts.addr = ln.Addr().String()
	go srv.Serve(ts.ln)
	t.Cleanup(func() { srv.Close() })
	return ts
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// deliver appends a message as an MTA would.
func (ts *testServer) deliver(mailbox, subject string, body string, date time.Time) {
	ts.t.Helper()
	raw := fmt.Sprintf("From: inviter@itu.int\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n\r\n%s\r\n",
		testUser, subject, strings.ReplaceAll(subject, " ", "."), body)
	r := bytes.NewReader([]byte(raw))
	if _, err := ts.user.Append(mailbox, r, &imap.AppendOptions{Time: date}); err != nil {
		ts.t.Fatalf("append to %s: %v", mailbox, err)
	}
}

// recreate deletes and creates a mailbox: its UIDVALIDITY changes.
func (ts *testServer) recreate(mailbox string) {
	ts.t.Helper()
	if err := ts.user.Delete(mailbox); err != nil {
		ts.t.Fatal(err)
	}
	if err := ts.user.Create(mailbox, nil); err != nil {
		ts.t.Fatal(err)
	}
}

// inspect opens a separate client for assertions about server state.
func (ts *testServer) inspect() *imapclient.Client {
	ts.t.Helper()
	c, err := imapclient.DialInsecure(ts.addr, nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { c.Close() })
	if err := c.Login(testUser, testPass).Wait(); err != nil {
		ts.t.Fatal(err)
	}
	return c
}

// flags returns each message's flags by UID.
func (ts *testServer) flags(mailbox string) map[uint32][]imap.Flag {
	ts.t.Helper()
	c := ts.inspect()
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		ts.t.Fatal(err)
	}
	bufs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		ts.t.Fatal(err)
	}
	out := map[uint32][]imap.Flag{}
	for _, b := range bufs {
		out[uint32(b.UID)] = b.Flags
	}
	return out
}

func (ts *testServer) count(mailbox string) uint32 {
	ts.t.Helper()
	st, err := ts.inspect().Status(mailbox, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		ts.t.Fatal(err)
	}
	return *st.NumMessages
}

// testSession adds SASL mechanisms and login counting to imapmemserver's
// session, keeping its IMAP4rev2 methods (MOVE, NAMESPACE).
type testSession struct {
	*imapmemserver.UserSession
	ts *testServer
}

// Copy refuses opts.refuse as Cyrus refuses a name outside its namespace.
func (s *testSession) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	if dest == s.ts.refuse.Load() {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Mailbox does not exist"}
	}
	return s.UserSession.Copy(numSet, dest)
}

// Namespace plays a server whose personal mailboxes live under a prefix.
func (s *testSession) Namespace() (*imap.NamespaceData, error) {
	if s.ts.opts.namespace == "" {
		return s.UserSession.Namespace()
	}
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Prefix: s.ts.opts.namespace, Delim: '.'}}}, nil
}

// Move refuses opts.refuse like Copy.
func (s *testSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	if dest == s.ts.refuse.Load() {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Mailbox does not exist"}
	}
	return s.UserSession.Move(w, numSet, dest)
}

func (s *testSession) Login(username, password string) error {
	s.ts.attempt("LOGIN")
	return s.ts.user.Login(username, password)
}

// Idle reports changes as Dovecot does, including those queued before IDLE
// began. imapmemserver's own Idle reports only changes made after its
// goroutine starts, which races with the client seeing "+ idling".
func (s *testSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := s.UserSession.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
	}
}

func (s *testSession) AuthenticateMechanisms() []string {
	if s.ts.opts.mechs == nil {
		return []string{sasl.Plain}
	}
	return s.ts.opts.mechs
}

func (s *testSession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, username, password string) error {
			s.ts.attempt(sasl.Plain)
			return s.ts.user.Login(username, password)
		}), nil
	case sasl.OAuthBearer:
		s.ts.attempt(mech)
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if o.Token != s.ts.opts.goodToken || o.Username != testUser {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		}), nil
	case "XOAUTH2":
		s.ts.attempt(mech)
		return &xoauth2Server{user: testUser, token: s.ts.opts.goodToken}, nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "unsupported mechanism"}
}

// xoauth2Server follows Google's description of XOAUTH2: a bad token gets
// a JSON error challenge, and NO after the client's reply.
type xoauth2Server struct {
	user, token string
	failed      bool
}

func (s *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if s.failed {
		return nil, true, imapserver.ErrAuthFailed
	}
	if resp == nil {
		return []byte{}, false, nil
	}
	want := "user=" + s.user + "\x01auth=Bearer " + s.token + "\x01\x01"
	if string(resp) == want {
		return nil, true, nil
	}
	s.failed = true
	return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
}

// trackingListener remembers accepted connections so a test can cut them,
// and can edit what the server writes, to play servers imapserver is not.
type trackingListener struct {
	net.Listener
	rewrite func([]byte) []byte
	mu      sync.Mutex
	conns   []net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if l.rewrite != nil {
		c = &rewriteConn{Conn: c, rewrite: l.rewrite}
	}
	l.mu.Lock()
	l.conns = append(l.conns, c)
	l.mu.Unlock()
	return c, nil
}

// dropAll cuts every connection, as a server restart or a NAT timeout does.
func (l *trackingListener) dropAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

// rewriteConn edits each write of the server. imapserver writes whole
// responses at a time, so line-based edits see whole lines.
type rewriteConn struct {
	net.Conn
	rewrite func([]byte) []byte
}

func (c *rewriteConn) Write(b []byte) (int, error) {
	if _, err := c.Conn.Write(c.rewrite(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// editCapabilities applies edit to CAPABILITY responses and codes only.
func editCapabilities(edit func([]byte) []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		if !bytes.Contains(b, []byte("CAPABILITY")) {
			return b
		}
		return edit(b)
	}
}

// hideIdle plays a server without IDLE: imapserver always advertises it.
var hideIdle = editCapabilities(func(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte(" IDLE"), nil)
})

// disableLogin plays a server that takes credentials only by SASL.
var disableLogin = editCapabilities(func(b []byte) []byte {
	return bytes.Replace(b, []byte("CAPABILITY IMAP4rev2"), []byte("CAPABILITY IMAP4rev2 LOGINDISABLED"), 1)
})

// dropUIDNext plays an RFC 2060 server whose SELECT omits UIDNEXT.
func dropUIDNext(b []byte) []byte {
	var out [][]byte
	for _, line := range bytes.SplitAfter(b, []byte("\r\n")) {
		if !bytes.HasPrefix(line, []byte("* OK [UIDNEXT ")) {
			out = append(out, line)
		}
	}
	return bytes.Join(out, nil)
}

// selfSigned makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imapwatch test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

type x509UnknownAuthority = x509.UnknownAuthorityError

// noKeywords plays a server that keeps no custom keywords (no "\*" in
// PERMANENTFLAGS).
func noKeywords(b []byte) []byte {
	if !bytes.Contains(b, []byte("[PERMANENTFLAGS")) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(`\*`), nil)
}
