package benchforward

import (
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// captureBackend is an in-process SMTP server's backend that keeps every
// message it accepts, and counts the sessions opened.
type captureBackend struct {
	mu       sync.Mutex
	sessions int
	got      map[string]int // message body -> times received
	rcpts    []string
}

func (b *captureBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	b.mu.Lock()
	b.sessions++
	b.mu.Unlock()
	return &captureSession{b: b}, nil
}

type captureSession struct{ b *captureBackend }

func (s *captureSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *captureSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	s.b.rcpts = append(s.b.rcpts, to)
	s.b.mu.Unlock()
	return nil
}
func (s *captureSession) Data(r io.Reader) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.got[string(body)]++
	s.b.mu.Unlock()
	return nil
}
func (s *captureSession) Reset()        {}
func (s *captureSession) Logout() error { return nil }

func startCapture(t *testing.T, be smtp.Backend) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(be)
	srv.Domain = "capture.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

func TestSendCorpus(t *testing.T) {
	for _, tt := range []struct{ msgs, sessions int }{{0, 1}, {1, 4}, {20, 3}, {50, 8}} {
		t.Run(fmt.Sprintf("%d messages over %d sessions", tt.msgs, tt.sessions), func(t *testing.T) {
			be := &captureBackend{got: map[string]int{}}
			addr := startCapture(t, be)
			var msgs [][]byte
			for i := range tt.msgs {
				// a line starting with a dot checks the stuffing round-trip
				msgs = append(msgs, fmt.Appendf(nil, "Subject: %d\r\n\r\n.dot line %d\r\n%s\r\n", i, i, strings.Repeat("0123456789 abcdefghijklmnopqrstuvwxyz\r\n", i*3)))
			}
			if err := sendCorpus(addr, "load@example.org", "caucus@example.org", msgs, tt.sessions); err != nil {
				t.Fatal(err)
			}
			be.mu.Lock()
			defer be.mu.Unlock()
			if be.sessions != tt.sessions {
				t.Errorf("opened %d sessions, want %d", be.sessions, tt.sessions)
			}
			if len(be.rcpts) != tt.msgs {
				t.Errorf("%d RCPT TO, want %d", len(be.rcpts), tt.msgs)
			}
			for i, m := range msgs {
				if be.got[string(m)] != 1 {
					t.Errorf("message %d received %d times, want once", i, be.got[string(m)])
				}
			}
			if len(be.got) != len(msgs) {
				t.Errorf("received %d distinct messages, want %d", len(be.got), len(msgs))
			}
		})
	}
}

func TestSendCorpusReportsRefusal(t *testing.T) {
	addr := startCapture(t, refusingBackend{})
	msgs := [][]byte{[]byte("Subject: a\r\n\r\na\r\n"), []byte("Subject: b\r\n\r\nb\r\n")}
	if err := sendCorpus(addr, "load@example.org", "caucus@example.org", msgs, 2); err == nil {
		t.Fatal("sendCorpus succeeded against a server refusing every recipient")
	}
}

type refusingBackend struct{}

func (refusingBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return refusingSession{}, nil }

type refusingSession struct{}

func (refusingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (refusingSession) Rcpt(string, *smtp.RcptOptions) error {
	return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
}
func (refusingSession) Data(io.Reader) error { return nil }
func (refusingSession) Reset()               {}
func (refusingSession) Logout() error        { return nil }
