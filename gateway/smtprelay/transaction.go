package smtprelay

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// transact runs MAIL, RCPT for each recipient, and DATA on s. It returns the
// stage that failed; errors are not classified yet.
func (r *Relay) transact(s *session, env Envelope, body content) (Result, stage, error) {
	if s.dirty {
		// go-smtp's Reset also makes the next command repeat EHLO, with
		// our Hostname, which the relay takes as a second RSET.
		if err := s.client.Reset(); err != nil {
			return Result{}, stageMail, fmt.Errorf("reset transaction: %w", err)
		}
	}
	s.sent++
	s.dirty = true // until the relay accepts the final dot
	if err := s.client.Mail(env.From, mailOptions(env)); err != nil {
		return Result{}, stageMail, fmt.Errorf("send MAIL FROM: %w", err)
	}
	res, err := recipients(s.client, env.To)
	if err != nil {
		return res, stageRcpt, err
	}
	if len(res.Accepted) == 0 {
		return res, stageRcpt, summarise(res.Rejected)
	}
	if err := r.data(s, body); err != nil {
		return res, stageData, err
	}
	s.dirty = false
	return res, stageData, nil
}

// mailOptions asks for SMTPUTF8 (RFC 6531) only when an address needs it,
// as go-smtp's SendMail does; go-smtp refuses it when the relay lacks it.
func mailOptions(env Envelope) *smtp.MailOptions {
	for _, a := range append([]string{env.From}, env.To...) {
		if !isASCII(a) {
			return &smtp.MailOptions{UTF8: true}
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// recipients sends RCPT for each address. A reply refusing one address is
// that address's; a 421 or a broken connection ends the transaction.
func recipients(c *smtp.Client, to []string) (Result, error) {
	res := Result{Rejected: map[string]*Error{}}
	for _, addr := range to {
		err := c.Rcpt(addr, nil)
		var se *smtp.SMTPError
		switch {
		case err == nil:
			res.Accepted = append(res.Accepted, addr)
		case errors.As(err, &se) && se.Code != 421:
			res.Rejected[addr] = classifyReply(se, stageRcpt)
		default:
			return res, fmt.Errorf("send RCPT TO: %w", err)
		}
	}
	return res, nil
}

// summarise picks, among every recipient's rejection, the one that keeps
// the message most alive: a recipient that may succeed later must not be
// dropped because another was refused for good.
func summarise(rejected map[string]*Error) *Error {
	order := []Kind{KindAuth, KindNetwork, KindQuota, KindTemporary, KindPermanent}
	var best *Error
	rank := func(e *Error) int {
		for i, k := range order {
			if e.Kind == k {
				return i
			}
		}
		return len(order)
	}
	for _, e := range rejected {
		if best == nil || rank(e) < rank(best) ||
			(rank(e) == rank(best) && e.Message < best.Message) {
			best = e
		}
	}
	return best
}

// failRest gives every recipient without a reply of its own the error
// that ended the transaction: nothing was delivered.
func failRest(res Result, to []string, e *Error) Result {
	if res.Rejected == nil {
		res.Rejected = make(map[string]*Error, len(to))
	}
	for _, a := range to {
		if _, ok := res.Rejected[a]; !ok {
			res.Rejected[a] = e
		}
	}
	res.Accepted = nil
	return res
}

// data sends the body. When the body cannot be read to its end, or holds
// a bare CR, bare LF or NUL, the connection is dropped rather than the dot
// sent: a dot would deliver a truncated message.
//
// The body is dot-stuffed here and written to the connection go-smtp
// speaks on, between go-smtp's DATA (which has read the 354) and the
// closing of its DataCommand (which writes the final dot and reads the
// reply), so that go-smtp still owns the protocol and its reply parsing.
func (r *Relay) data(s *session, body content) error {
	w, err := s.client.Data()
	if err != nil {
		return fmt.Errorf("send DATA: %w", err)
	}
	if err := r.stuff(s, body); err != nil {
		s.broken = true
		s.client.Close()
		return err
	}
	if err := s.conn.SetWriteDeadline(deadline(r.cfg.CommandTimeout)); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end DATA: %w", err)
	}
	return nil
}

// content writes a message's body; an error its writer did not return
// is a failure to read the message.
type content func(io.Writer) error

// copyFrom is the content of a message read from body.
func copyFrom(body io.Reader) content {
	return func(w io.Writer) error {
		_, err := io.Copy(w, body)
		return err
	}
}

// stuff writes the body, dot-stuffed, to the connection.
func (r *Relay) stuff(s *session, body content) error {
	dst := &deadlineWriter{w: s.wire, conn: s.conn, timeout: r.cfg.CommandTimeout}
	if s.buf == nil {
		s.buf = bufio.NewWriterSize(dst, 32<<10)
	} else {
		s.buf.Reset(dst)
	}
	stuffer := &trackingWriter{w: newDotStuffer(s.buf)}
	err := body(stuffer)
	if err == nil {
		err = stuffer.finish()
	}
	switch {
	case err != nil && stuffer.err == nil:
		return &Error{Kind: KindTemporary, Message: "read message body", err: err}
	case errors.Is(stuffer.err, ErrBareBytes):
		return &Error{Kind: KindPermanent, Message: "refused to send the message", err: stuffer.err}
	case err != nil:
		return fmt.Errorf("send message body: %w", stuffer.err)
	}
	return nil
}

// trackingWriter remembers a write error, to tell it from a failure to
// read the message.
type trackingWriter struct {
	w   *dotStuffer
	err error
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	n, err := t.w.Write(b)
	if err != nil {
		t.err = err
	}
	return n, err
}

func (t *trackingWriter) finish() error {
	if err := t.w.finish(); err != nil {
		t.err = err
	}
	return t.err
}

// deadlineWriter bounds each write: go-smtp sets deadlines for replies, none
// while the body streams, and a relay that stops reading would hang us.
type deadlineWriter struct {
	w       io.Writer
	conn    net.Conn
	timeout time.Duration
}

func (d *deadlineWriter) Write(b []byte) (int, error) {
	if err := d.conn.SetWriteDeadline(deadline(d.timeout)); err != nil {
		return 0, err
	}
	return d.w.Write(b)
}
