package smtprelay

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"caucusgate/internal/enhancedcode"
)

// go-smtp v0.25 exports STARTTLS only through NewClientStartTLS, which says
// "EHLO localhost" before Hello can be called. So the plaintext prelude
// (greeting, EHLO with our name, STARTTLS) is spoken here, and go-smtp is
// handed the connection after it, with the greeting replayed in front.

// prelude is what the plaintext part of a session learnt.
type prelude struct {
	greeting string
	startTLS bool // the relay offered STARTTLS
}

// readPrelude reads the greeting and sends EHLO. A relay that refuses EHLO
// (RFC 5321 HELO-only servers) offers no STARTTLS; go-smtp falls back to
// HELO itself.
func readPrelude(tp *textproto.Conn, hostname string) (prelude, error) {
	var p prelude
	_, msg, err := tp.ReadResponse(220)
	if err != nil {
		return p, replyError("read greeting", err)
	}
	p.greeting = strings.ReplaceAll(msg, "\n", " ")
	_, msg, err = command(tp, 250, "EHLO %s", hostname)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code/100 == 5 {
		return p, nil
	}
	if err != nil {
		return p, replyError("send EHLO", err)
	}
	for _, line := range strings.Split(msg, "\n")[1:] {
		p.startTLS = p.startTLS || strings.EqualFold(strings.TrimSpace(line), "STARTTLS")
	}
	return p, nil
}

func command(tp *textproto.Conn, expect int, format string, args ...any) (int, string, error) {
	id, err := tp.Cmd(format, args...)
	if err != nil {
		return 0, "", err
	}
	tp.StartResponse(id)
	defer tp.EndResponse(id)
	return tp.ReadResponse(expect)
}

// replyError turns a textproto reply error into the *smtp.SMTPError that
// go-smtp would have returned, so that one classifier serves both.
func replyError(what string, err error) error {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, parseReply(te.Code, te.Msg))
}

// parseReply splits the enhanced status code (RFC 2034) off a reply's text.
func parseReply(code int, msg string) *smtp.SMTPError {
	se := &smtp.SMTPError{Code: code, Message: msg}
	if ecText, rest, ok := strings.Cut(msg, " "); ok {
		if ec, ok := parseEnhanced(ecText); ok {
			se.EnhancedCode, se.Message = ec, rest
		}
	}
	return se
}

// parseEnhanced reads an RFC 3463 status code with the project's one
// parser of them.
func parseEnhanced(s string) (smtp.EnhancedCode, bool) {
	c, ok := enhancedcode.Parse(s)
	return smtp.EnhancedCode(c), ok
}

// upgrade sends STARTTLS and runs the handshake. Bytes the relay sent
// before the handshake would be read as if protected (CVE-2011-0411, the
// STARTTLS command injection class): their presence fails the session.
func upgrade(ctx context.Context, conn net.Conn, tp *textproto.Conn, cfg *tls.Config) (*tls.Conn, error) {
	if _, _, err := command(tp, 220, "STARTTLS"); err != nil {
		return nil, replyError("send STARTTLS", err)
	}
	if tp.R.Buffered() > 0 {
		return nil, errors.New("start TLS: relay sent data before the handshake")
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("start TLS: %w", err)
	}
	return tc, nil
}

// replayConn serves pending bytes before reading from the connection.
type replayConn struct {
	net.Conn
	pending []byte
}

func (c *replayConn) Read(b []byte) (int, error) {
	if len(c.pending) == 0 {
		return c.Conn.Read(b)
	}
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// withGreeting lets go-smtp read a greeting that was already consumed.
func withGreeting(conn net.Conn, greeting string) net.Conn {
	return &replayConn{Conn: conn, pending: []byte("220 " + greeting + "\r\n")}
}

// Socket deadlines are wall-clock time, not Config.Now: the kernel knows no
// other clock.
func deadline(timeout time.Duration) time.Time { return time.Now().Add(timeout) }

var noDeadline time.Time
