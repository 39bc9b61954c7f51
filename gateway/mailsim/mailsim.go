// Package mailsim runs in-process mail servers on loopback: an IMAP server
// (go-imap's imapmemserver) holding the bureau's and everyone's mailboxes,
// and an SMTP server (go-smtp) that delivers into them. Both speak the real
// wire protocols over TCP, so the gateway under them runs exactly the code
// it runs in production. The demo uses it, and so do the hermetic tests.
package mailsim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
)

// Password is every simulated user's password.
const Password = "secret"

// Options configure a World.
type Options struct {
	// Users get an IMAP account (password Password) with an INBOX; SMTP
	// mail to them, plus-addressed or not, lands in that INBOX.
	Users []string
	// NoIDLE leaves IDLE out of the IMAP capabilities, so clients poll.
	NoIDLE bool
	// Reject, when set, is asked about every recipient; a non-nil error
	// (an *smtp.SMTPError) refuses that RCPT.
	Reject func(from, to string) error
}

// World is a running pair of servers.
type World struct {
	IMAPAddr string
	SMTPAddr string

	opts  Options
	imap  *imapserver.Server
	mem   *imapmemserver.Server
	smtp  *smtp.Server
	users map[string]*imapmemserver.User

	mu        sync.Mutex
	received  []Received
	listeners []listener
}

// Received is one message the SMTP server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
	At   time.Time
}

// Start starts both servers on free loopback ports.
func Start(opts Options) (*World, error) {
	w := &World{opts: opts, mem: imapmemserver.New(), users: map[string]*imapmemserver.User{}}
	for _, u := range opts.Users {
		w.addUser(u)
	}
	if err := w.startIMAP(); err != nil {
		return nil, err
	}
	if err := w.startSMTP(); err != nil {
		w.imap.Close()
		return nil, err
	}
	return w, nil
}

func (w *World) addUser(name string) {
	u := imapmemserver.NewUser(name, Password)
	_ = u.Create("INBOX", nil)
	w.mem.AddUser(u)
	w.users[strings.ToLower(name)] = u
}

func (w *World) startIMAP() error {
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if !w.opts.NoIDLE {
		caps[imap.CapIdle] = struct{}{}
	}
	w.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return w.mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen imap: %w", err)
	}
	w.IMAPAddr = ln.Addr().String()
	w.serve(ln, func() { _ = w.imap.Serve(ln) })
	return nil
}

func (w *World) startSMTP() error {
	w.smtp = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{world: w}, nil
	}))
	w.smtp.Domain = "mx.example.org"
	w.smtp.AllowInsecureAuth = true
	w.smtp.MaxMessageBytes = 64 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen smtp: %w", err)
	}
	w.SMTPAddr = ln.Addr().String()
	w.serve(ln, func() { _ = w.smtp.Serve(ln) })
	return nil
}

// serve runs a server's accept loop on ln, and remembers how to stop it.
func (w *World) serve(ln net.Listener, loop func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop()
	}()
	w.listeners = append(w.listeners, listener{ln: ln, done: done})
}

// Close stops both servers. The listeners are closed and their accept
// loops waited for first: go-imap's Server.Close racing a Serve that has
// just started is a data race in the library (WaitGroup.Add concurrent
// with Wait).
func (w *World) Close() error {
	for _, l := range w.listeners {
		_ = l.ln.Close()
		<-l.done
	}
	return errors.Join(ignoreClosed(w.smtp.Close()), ignoreClosed(w.imap.Close()))
}

type listener struct {
	ln   net.Listener
	done chan struct{}
}

// ignoreClosed drops the error a server returns when its listeners were
// already closed by Close.
func ignoreClosed(err error) error {
	if err != nil && (errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "closed")) {
		return nil
	}
	return err
}

// Append puts raw in a user's mailbox, as if it had been delivered there.
func (w *World) Append(user, mailbox string, raw []byte) error {
	u, ok := w.users[strings.ToLower(user)]
	if !ok {
		return fmt.Errorf("append: no user %s", user)
	}
	_, err := u.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{Time: time.Now()})
	return err
}

// AppendAt is Append with the INTERNALDATE given: old mail, or mail a
// restore made look new.
func (w *World) AppendAt(user, mailbox string, raw []byte, at time.Time) error {
	u, ok := w.users[strings.ToLower(user)]
	if !ok {
		return fmt.Errorf("append: no user %s", user)
	}
	_, err := u.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{Time: at})
	return err
}

// Recreate deletes and creates a user's mailbox, empty: its UIDVALIDITY
// changes, as when a server rebuilds its index.
func (w *World) Recreate(user, mailbox string) error {
	u, ok := w.users[strings.ToLower(user)]
	if !ok {
		return fmt.Errorf("recreate: no user %s", user)
	}
	if err := u.Delete(mailbox); err != nil {
		return err
	}
	return u.Create(mailbox, nil)
}

// Received lists what the SMTP server accepted, in order.
func (w *World) Received() []Received {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Received(nil), w.received...)
}

// deliver records an accepted message and drops it in the recipients'
// mailboxes.
func (w *World) deliver(r Received) {
	w.mu.Lock()
	w.received = append(w.received, r)
	w.mu.Unlock()
	for _, to := range r.To {
		if u, ok := w.users[mailboxOwner(to)]; ok {
			_, _ = u.Append("INBOX", bytes.NewReader(r.Data), &imap.AppendOptions{Time: r.At})
		}
	}
}

// mailboxOwner strips a plus-address detail: bureau+tok@x is bureau@x.
func mailboxOwner(addr string) string {
	addr = strings.ToLower(addr)
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	local := addr[:at]
	if plus := strings.IndexByte(local, '+'); plus >= 0 {
		local = local[:plus]
	}
	return local + addr[at:]
}

type session struct {
	world *World
	from  string
	to    []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.world.opts.Reject != nil {
		if err := s.world.opts.Reject(s.from, to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.world.deliver(Received{From: s.from, To: s.to, Data: data, At: time.Now()})
	return nil
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// Flags returns the flags of every message in a user's mailbox, by UID,
// read over IMAP with EXAMINE, which changes nothing.
func (w *World) Flags(user, mailbox string) (map[uint32][]string, error) {
	c, err := imapclient.DialInsecure(w.IMAPAddr, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := c.Login(user, Password).Wait(); err != nil {
		return nil, err
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil, err
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		return nil, err
	}
	out := make(map[uint32][]string, len(msgs))
	for _, m := range msgs {
		fs := []string{}
		for _, f := range m.Flags {
			fs = append(fs, string(f))
		}
		out[uint32(m.UID)] = fs
	}
	return out, nil
}
