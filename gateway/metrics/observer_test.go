package metrics

import (
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"caucusgate/gateway/imapwatch"
)

// memSink is the smallest durable side a Supervisor needs: it remembers
// one epoch and its watermark.
type memSink struct {
	mu      sync.Mutex
	epoch   *imapwatch.Epoch
	lastUID uint32
}

func (s *memSink) Position(_ context.Context, _ string, v uint32) (imapwatch.Position, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epoch == nil {
		return imapwatch.Position{}, nil
	}
	return imapwatch.Position{Known: s.epoch.UIDValidity == v, AnyEpoch: true, LastUID: s.lastUID}, nil
}

func (s *memSink) BeginEpoch(_ context.Context, _ string, e imapwatch.Epoch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch, s.lastUID = &e, e.LastUID
	return nil
}

func (s *memSink) Accept(_ context.Context, b imapwatch.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastUID = b.LastUID()
	return nil
}

func (s *memSink) Unacked(context.Context, string, uint32) ([]uint32, error) { return nil, nil }

func (s *memSink) MarkAcked(context.Context, string, uint32, []uint32) error { return nil }

// startIMAP serves one user with an INBOX over real IMAP on loopback.
func startIMAP(t *testing.T, user, pass string) *url.URL {
	t.Helper()
	u := imapmemserver.NewUser(user, pass)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return imapmemserver.NewUserSession(u), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &url.URL{Scheme: "imap", Host: ln.Addr().String()}
}

// TestMailboxObserverWithSupervisor runs a real supervisor against a real
// IMAP server: a wrong password counts one auth reconnect, a good one
// records the sync time from the supervisor's clock.
func TestMailboxObserverWithSupervisor(t *testing.T) {
	addr := startIMAP(t, "bureau", "secret")
	syncedAt := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	m, _ := newTest(t)
	for _, pass := range []string{"wrong", "secret"} {
		sup, err := imapwatch.New(imapwatch.Config{
			Account: "bureau", URL: addr, Username: "bureau", Password: pass,
			Sink: &memSink{}, Observer: m.Mailbox("bureau", "INBOX"),
			Now: func() time.Time { return syncedAt },
		})
		if err != nil {
			t.Fatal(err)
		}
		err = sup.SyncOnce(context.Background())
		if (pass == "wrong") != errors.Is(err, imapwatch.ErrAuth) {
			t.Fatalf("password %q: SyncOnce: %v", pass, err)
		}
	}
	if got := testutil.ToFloat64(m.reconnects.WithLabelValues("bureau", "INBOX", "auth")); got != 1 {
		t.Errorf("auth reconnects %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.imapSynced.WithLabelValues("bureau", "INBOX")); got != float64(syncedAt.Unix()) {
		t.Errorf("last sync %v, want %d", got, syncedAt.Unix())
	}
}

func TestMailboxObserverReasons(t *testing.T) {
	m, _ := newTest(t)
	o := m.Mailbox("bureau", "INBOX")
	authErr := &imapwatch.AuthError{Err: errors.New("NO [AUTHENTICATIONFAILED]")}
	// What Supervisor.Run reports for one auth failure and one network
	// failure.
	o.Reconnect(authErr)
	o.AuthFailed(authErr)
	o.Reconnect(&net.OpError{Op: "dial", Err: errors.New("connection refused")})
	o.State(imapwatch.StateBackoff)
	for reason, want := range map[string]float64{"auth": 1, "network": 1} {
		if got := testutil.ToFloat64(m.reconnects.WithLabelValues("bureau", "INBOX", reason)); got != want {
			t.Errorf("%s reconnects %v, want %v", reason, got, want)
		}
	}
	if got := testutil.ToFloat64(m.imapState.WithLabelValues("bureau", "INBOX", "backoff")); got != 1 {
		t.Errorf("backoff state %v, want 1", got)
	}
}
