package unsubscribe

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"caucusgate/gateway/token"
)

var (
	now     = time.Date(2026, time.May, 4, 10, 30, 0, 0, time.UTC)
	keyA    = []byte("0123456789abcdef0123456789abcdef")
	keyB    = []byte("fedcba9876543210fedcba9876543210")
	names   = map[string]string{"gender": "Gender Caucus", "education": "Education & Training"}
	baseURL = "https://lists.example.org/caucusgate/"
)

// memStore is the one-method Store in memory, idempotent as queue.Store
// is: the first time is kept, members compared ignoring case.
type memStore struct {
	mu    sync.Mutex
	calls int
	at    map[string]time.Time
}

func newMemStore() *memStore { return &memStore{at: map[string]time.Time{}} }

func (s *memStore) Unsubscribe(_ context.Context, caucus, member string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	key := caucus + "/" + strings.ToLower(member)
	if _, ok := s.at[key]; !ok {
		s.at[key] = at
	}
	return nil
}

func (s *memStore) snapshot() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.at))
	for k, v := range s.at {
		out[k] = v
	}
	return out
}

type failStore struct{}

func (failStore) Unsubscribe(context.Context, string, string, time.Time) error {
	return errors.New("database is locked")
}

func mustKeyring(t testing.TB, keys ...[]byte) *token.Keyring {
	t.Helper()
	k, err := token.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testConfig(t testing.TB, store Store) Config {
	t.Helper()
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Keyring:   mustKeyring(t, keyA),
		Store:     store,
		PublicURL: u,
		CaucusName: func(id string) (string, bool) {
			n, ok := names[id]
			return n, ok
		},
		Now: func() time.Time { return now },
	}
}

// tokenOf is the token at the end of an https: link.
func tokenOf(t testing.TB, link string) string {
	t.Helper()
	i := strings.LastIndex(link, "/u/")
	if i < 0 {
		t.Fatalf("link %q has no /u/", link)
	}
	return link[i+len("/u/"):]
}

// sealed is a token of kind for caucus and member, sealed with cfg's
// keyring, expiring at expires (zero: never).
func sealed(cfg Config, kind token.Kind, extra string, expires time.Time) string {
	return cfg.Keyring.Seal(token.Token{Kind: kind, Extra: extra, Expires: expires})
}
