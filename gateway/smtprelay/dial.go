package smtprelay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"caucusgate/internal/xoauth2"
)

// dial opens a session ready for MAIL. A token the relay refuses is
// invalidated and AUTH tried once more, with a fresh token, on a fresh
// connection (some relays close the connection after a failed AUTH).
func (r *Relay) dial(ctx context.Context) (*session, error) {
	s, err := r.dialOnce(ctx)
	var e *Error
	if r.cfg.Token != nil && errors.As(err, &e) && e.Kind == KindAuth && e.Code != 0 {
		r.log.Info("relay refused the OAuth token; refreshing it", "code", e.Code)
		r.cfg.Token.Invalidate()
		s, err = r.dialOnce(ctx)
	}
	return s, err
}

func (r *Relay) dialOnce(ctx context.Context) (*session, error) {
	conn, err := r.cfg.DialContext(ctx, "tcp", r.cfg.address())
	if err != nil {
		return nil, classify(ctx, fmt.Errorf("dial %s: %w", r.cfg.address(), err), stageConnect)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	s := &session{id: r.nextID.Add(1), conn: conn}
	st, err := r.open(ctx, s)
	if err != nil {
		conn.Close()
		return nil, classify(ctx, err, st)
	}
	r.log.Debug("relay session open", "session", s.id, "tls", s.tls)
	return s, nil
}

// open runs TLS, EHLO and AUTH on a fresh connection.
func (r *Relay) open(ctx context.Context, s *session) (stage, error) {
	conn, err := r.secure(ctx, s)
	if err != nil {
		return stageConnect, err
	}
	s.client = smtp.NewClient(conn)
	s.wire = conn
	s.client.CommandTimeout = r.cfg.CommandTimeout
	s.client.SubmissionTimeout = r.cfg.DataTimeout
	if err := s.client.Hello(r.cfg.Hostname); err != nil {
		return stageConnect, fmt.Errorf("send EHLO: %w", err)
	}
	if !r.cfg.hasCredentials() {
		return stageConnect, nil
	}
	return stageAuth, r.auth(ctx, s.client)
}

// secure returns the connection go-smtp should speak on: TLS from the first
// byte for smtps, upgraded by STARTTLS when offered for smtp.
func (r *Relay) secure(ctx context.Context, s *session) (net.Conn, error) {
	if err := s.conn.SetDeadline(deadline(r.cfg.CommandTimeout)); err != nil {
		return nil, fmt.Errorf("set deadline: %w", err)
	}
	defer s.conn.SetDeadline(noDeadline)
	if r.cfg.URL.Scheme == "smtps" {
		tc := tls.Client(s.conn, r.cfg.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		s.tls = true
		return tc, nil
	}
	return r.startTLS(ctx, s)
}

func (r *Relay) startTLS(ctx context.Context, s *session) (net.Conn, error) {
	tp := textproto.NewConn(s.conn)
	p, err := readPrelude(tp, r.cfg.Hostname)
	if err != nil {
		return nil, err
	}
	if !p.startTLS {
		if r.cfg.requiresTLS() {
			return nil, &Error{Kind: KindAuth, Message: "relay offers no STARTTLS: " +
				"refusing to send credentials in clear (set insecure to allow)"}
		}
		return withGreeting(s.conn, p.greeting), nil
	}
	tc, err := upgrade(ctx, s.conn, tp, r.cfg.tlsConfig())
	if err != nil {
		return nil, err
	}
	s.tls = true
	return withGreeting(tc, p.greeting), nil
}

// auth authenticates with XOAUTH2 when a TokenSource is set, otherwise with
// PLAIN, or LOGIN for relays that offer only that.
func (r *Relay) auth(ctx context.Context, c *smtp.Client) error {
	if ok, _ := c.Extension("AUTH"); !ok {
		return &Error{Kind: KindAuth, Message: "relay offers no AUTH"}
	}
	mech, err := r.mechanism(ctx, c)
	if err != nil {
		return err
	}
	if err := c.Auth(mech); err != nil {
		return fmt.Errorf("authenticate: %w", err)
	}
	return nil
}

func (r *Relay) mechanism(ctx context.Context, c *smtp.Client) (sasl.Client, error) {
	switch {
	case r.cfg.Token != nil:
		tok, err := r.cfg.Token.Token(ctx)
		if err != nil {
			kind := KindAuth
			if Temporary(err) {
				kind = KindNetwork
			}
			return nil, &Error{Kind: kind, Message: "obtain OAuth token", err: err}
		}
		return &xoauth2.Client{Username: r.cfg.Username, Token: tok}, nil
	case c.SupportsAuth(sasl.Plain):
		return sasl.NewPlainClient("", r.cfg.Username, r.cfg.Password), nil
	case c.SupportsAuth(sasl.Login):
		return sasl.NewLoginClient(r.cfg.Username, r.cfg.Password), nil
	}
	return nil, &Error{Kind: KindAuth, Message: "relay offers neither PLAIN nor LOGIN"}
}
