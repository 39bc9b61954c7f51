package chaos

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
)

// Key names one delivery: a message (by Message-ID) to one recipient.
type Key struct {
	MessageID string
	Rcpt      string
}

func (k Key) String() string { return k.MessageID + " -> " + k.Rcpt }

// answerWindow is how long after the relay's 250 a delivery still counts
// as in flight: the gateway records the answer synchronously, within
// milliseconds, so a kill inside this window may have prevented that record.
const answerWindow = 2 * time.Second

// Relay is a capturing SMTP relay in front of Postfix: every message the
// daemon hands over is passed on to Postfix before the relay answers, and
// recorded. Its record is the oracle of what went out. It can stall after
// DATA, as a slow relay does before its final answer.
type Relay struct {
	Addr     string // host:port the daemon sends to
	upstream string
	server   *smtp.Server

	mu        sync.Mutex
	txs       []*transaction
	stallFor  time.Duration
	stallRcpt string // "" stalls the next DATA, whatever its recipients
}

// transaction is one message's DATA at the relay.
type transaction struct {
	keys     []Key
	answered time.Time // zero while the answer is pending
	accepted bool
	stalled  bool
}

// to says the transaction has rcpt among its recipients.
func (tx *transaction) to(rcpt string) bool {
	for _, k := range tx.keys {
		if k.Rcpt == rcpt {
			return true
		}
	}
	return false
}

// StartRelay listens on a free loopback port and passes mail on to
// upstream (Postfix's smtpd); it stops at the end of the test.
func StartRelay(t testing.TB, upstream string) *Relay {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("chaos: relay listen: %v", err)
	}
	r := &Relay{Addr: ln.Addr().String(), upstream: upstream}
	r.server = smtp.NewServer(r)
	r.server.Domain = "relay.example.org"
	r.server.MaxMessageBytes = 64 << 20
	r.server.EnableSMTPUTF8 = true
	go r.server.Serve(ln)
	t.Cleanup(func() { r.server.Close() })
	return r
}

// StallNext makes the next DATA wait d after its final dot before the relay
// passes the message on and answers.
func (r *Relay) StallNext(d time.Duration) { r.StallNextTo("", d) }

// StallNextTo stalls, as StallNext, the next DATA to rcpt.
func (r *Relay) StallNextTo(rcpt string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stallFor, r.stallRcpt = d, strings.ToLower(rcpt)
}

// NewSession implements smtp.Backend.
func (r *Relay) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &relaySession{relay: r}, nil
}

// InFlight lists the deliveries whose DATA had begun and whose answer was
// pending, or given less than answerWindow ago: those a kill now may leave
// unrecorded by the gateway.
func (r *Relay) InFlight() []Key {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	var keys []Key
	for _, tx := range r.txs {
		if tx.answered.IsZero() || now.Sub(tx.answered) < answerWindow {
			keys = append(keys, tx.keys...)
		}
	}
	return keys
}

// Stalled lists the deliveries the relay stalled.
func (r *Relay) Stalled() []Key {
	r.mu.Lock()
	defer r.mu.Unlock()
	var keys []Key
	for _, tx := range r.txs {
		if tx.stalled {
			keys = append(keys, tx.keys...)
		}
	}
	return keys
}

// Accepted counts the relay's acceptances per delivery.
func (r *Relay) Accepted() map[Key]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[Key]int{}
	for _, tx := range r.txs {
		if tx.accepted {
			for _, k := range tx.keys {
				out[k]++
			}
		}
	}
	return out
}

// begin records a transaction whose final dot arrived, and takes the
// pending stall, if any.
func (r *Relay) begin(tx *transaction) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.txs = append(r.txs, tx)
	if r.stallFor == 0 || (r.stallRcpt != "" && !tx.to(r.stallRcpt)) {
		return 0
	}
	stall := r.stallFor
	r.stallFor = 0
	tx.stalled = true
	return stall
}

func (r *Relay) answer(tx *transaction, accepted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tx.answered, tx.accepted = time.Now(), accepted
}

// passOn submits the message to Postfix with the same envelope.
func (r *Relay) passOn(from string, rcpts []string, raw []byte) error {
	conn, err := net.DialTimeout("tcp", r.upstream, 30*time.Second)
	if err != nil {
		return fmt.Errorf("dial postfix: %w", err)
	}
	conn.SetDeadline(time.Now().Add(time.Minute))
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := c.Hello("relay.example.org"); err != nil {
		return fmt.Errorf("greet postfix: %w", err)
	}
	if err := c.SendMail(from, rcpts, bytes.NewReader(raw)); err != nil {
		return fmt.Errorf("pass on to postfix: %w", err)
	}
	return c.Quit()
}

// relaySession is one SMTP session from the daemon.
type relaySession struct {
	relay *Relay
	from  string
	rcpts []string
}

func (s *relaySession) Reset()        { s.from, s.rcpts = "", nil }
func (s *relaySession) Logout() error { return nil }

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}

// Data reads the message to its final dot, stalls if asked, passes it on to
// Postfix and only then answers 250: what the relay accepted went out.
func (s *relaySession) Data(body io.Reader) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	tx := &transaction{keys: KeysOf(raw, s.rcpts)}
	if stall := s.relay.begin(tx); stall > 0 {
		time.Sleep(stall)
	}
	if err := s.relay.passOn(s.from, s.rcpts, raw); err != nil {
		s.relay.answer(tx, false)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 0}, Message: err.Error()}
	}
	s.relay.answer(tx, true)
	return nil
}

// markerPattern matches the marks a test puts in a message's text,
// "chaos-key:NAME", to follow it through a relay that rewrites the
// message: a relayed answer gets a Message-ID of its own, a digest carries
// several answers.
var markerPattern = regexp.MustCompile(`chaos-key:([A-Za-z0-9@._-]+)`)

// Marker is the mark that KeysOf finds in a message's text as name.
func Marker(name string) string { return "chaos-key:" + name }

// KeysOf names the deliveries one message makes to rcpts: each distinct
// Marker in its text, or else its Message-ID, to each recipient.
func KeysOf(raw []byte, rcpts []string) []Key {
	var names []string
	seen := map[string]bool{}
	for _, m := range markerPattern.FindAllSubmatch(raw, -1) {
		if name := string(m[1]); !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		names = []string{messageID(raw)}
	}
	var keys []Key
	for _, n := range names {
		for _, r := range rcpts {
			keys = append(keys, Key{MessageID: n, Rcpt: strings.ToLower(r)})
		}
	}
	return keys
}

// messageID reads a message's Message-ID, without angle brackets; "" if
// it has none or does not parse.
func messageID(raw []byte) string {
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	defer r.Close()
	id, _ := r.Header.MessageID()
	return id
}
