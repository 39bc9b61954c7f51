package imapwatch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// dialTimeout bounds the TCP connect. The dialer keeps Go's default TCP
// keep-alive (15 s probes): go-imap sets no read deadline while it waits for
// a response to begin, so during IDLE only keep-alive notices a peer that
// vanished without closing (a NAT timeout).
const dialTimeout = 30 * time.Second

// conn is one IMAP connection. go-imap takes no context, so the connection
// is closed when the context ends: that unblocks every pending command.
type conn struct {
	c      *imapclient.Client
	wd     *watchConn    // the raw connection under go-imap, watched for stalls
	secure bool          // TLS, implicit or STARTTLS
	events chan struct{} // a new EXISTS count arrived; capacity 1
	stop   func() bool   // detaches the context watcher
}

func (cn *conn) close() {
	cn.stop()
	cn.c.Close()
}

// quiet says no answer is awaited now (see watchConn.quiet).
func (cn *conn) quiet() { cn.wd.quiet() }

// dial connects and reads the greeting, with TLS as the URL says. On imap://
// it learns once whether the server offers STARTTLS and from then on always
// uses it; off loopback without Insecure it requires it.
func (s *Supervisor) dial(ctx context.Context) (*conn, error) {
	tcp, err := (&net.Dialer{Timeout: dialTimeout}).DialContext(ctx, "tcp", s.addr())
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", s.addr(), err)
	}
	raw := newWatchConn(tcp)
	go raw.watch(s.cfg.StallTimeout, s.log)
	cn := &conn{events: make(chan struct{}, 1), wd: raw}
	detach := context.AfterFunc(ctx, func() { raw.Close() })
	cn.stop = func() bool { raw.end(); return detach() }
	if err := s.handshake(ctx, raw, cn); err != nil {
		cn.stop()
		raw.Close()
		return nil, raw.stallErr(err)
	}
	return cn, nil
}

func (s *Supervisor) handshake(ctx context.Context, raw net.Conn, cn *conn) error {
	opts := &imapclient.Options{
		TLSConfig:             s.tlsConfig(),
		UnilateralDataHandler: existsNotifier(cn.events),
	}
	switch {
	case s.cfg.URL.Scheme == "imaps":
		return s.implicitTLS(ctx, raw, opts, cn)
	case s.useStartTLS.Load() || !s.plaintextAllowed():
		return s.startTLS(raw, opts, cn)
	}
	cn.c = imapclient.New(raw, opts)
	if err := cn.c.WaitGreeting(); err != nil {
		return fmt.Errorf("read greeting: %w", err)
	}
	if cn.c.Caps().Has(imap.CapStartTLS) {
		// imapclient starts TLS only on a fresh connection (NewStartTLS):
		// reconnect, and do so at once from now on.
		cn.c.Close()
		cn.stop()
		s.useStartTLS.Store(true)
		redialed, err := s.dial(ctx)
		if err != nil {
			return err
		}
		*cn = *redialed
	}
	return nil
}

func (s *Supervisor) implicitTLS(ctx context.Context, raw net.Conn, opts *imapclient.Options, cn *conn) error {
	tc := tls.Client(raw, opts.TLSConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS handshake with %s: %w", s.addr(), err)
	}
	cn.c, cn.secure = imapclient.New(tc, opts), true
	if err := cn.c.WaitGreeting(); err != nil {
		return fmt.Errorf("read greeting: %w", err)
	}
	return nil
}

func (s *Supervisor) startTLS(raw net.Conn, opts *imapclient.Options, cn *conn) error {
	c, err := imapclient.NewStartTLS(raw, opts)
	if err != nil {
		var imapErr *imap.Error
		if errors.As(err, &imapErr) && !s.plaintextAllowed() {
			return fmt.Errorf("%w: STARTTLS: %v", ErrPlaintext, err)
		}
		return fmt.Errorf("STARTTLS with %s: %w", s.addr(), err)
	}
	cn.c, cn.secure = c, true
	return nil
}

// existsNotifier wakes the watcher when the message count changes. It runs
// on the client's reader goroutine, so it must never block.
func existsNotifier(events chan<- struct{}) *imapclient.UnilateralDataHandler {
	return &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages == nil {
				return
			}
			select {
			case events <- struct{}{}:
			default:
			}
		},
	}
}

func (s *Supervisor) addr() string {
	port := s.cfg.URL.Port()
	if port == "" {
		port = "143"
		if s.cfg.URL.Scheme == "imaps" {
			port = "993"
		}
	}
	return net.JoinHostPort(s.cfg.URL.Hostname(), port)
}

func (s *Supervisor) port() int {
	_, p, _ := net.SplitHostPort(s.addr())
	n, _ := strconv.Atoi(p)
	return n
}

func (s *Supervisor) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.cfg.URL.Hostname()
	}
	return cfg
}

// plaintextAllowed says whether credentials may cross an unencrypted
// connection: only to loopback, or when the admin said insecure.
func (s *Supervisor) plaintextAllowed() bool {
	return s.cfg.Insecure || isLoopback(s.cfg.URL.Hostname())
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
