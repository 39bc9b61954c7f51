package imapwatch

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestNewValidates(t *testing.T) {
	good := func() Config {
		return Config{URL: &url.URL{Scheme: "imaps", Host: "imap.example.org"}, Username: "u", Sink: newMemSink()}
	}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"valid", func(*Config) {}, ""},
		{"valid with token and no username", func(c *Config) { c.Username, c.Token = "", &tokenList{tokens: []string{"t"}} }, ""},
		{"no URL", func(c *Config) { c.URL = nil }, "no IMAP URL"},
		{"bad scheme", func(c *Config) { c.URL.Scheme = "pop3" }, `scheme "pop3"`},
		{"no host", func(c *Config) { c.URL.Host = "" }, "no host"},
		{"no sink", func(c *Config) { c.Sink = nil }, "no sink"},
		{"no username", func(c *Config) { c.Username = "" }, "no username"},
		{"since without duration", func(c *Config) { c.Start = Start{Mode: StartSince} }, "positive duration"},
		{"negative batch", func(c *Config) { c.BatchBytes = -1 }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.mutate(&cfg)
			_, err := New(cfg)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("New = %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("New = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	s, err := New(Config{URL: &url.URL{Scheme: "imap", Host: "127.0.0.1"}, Username: "u", Sink: newMemSink()})
	if err != nil {
		t.Fatal(err)
	}
	c := s.cfg
	if c.Mailbox != "INBOX" || c.PollInterval != time.Minute || c.IdleRestart != 25*time.Minute ||
		c.BatchSize != 50 || c.BatchBytes != 32<<20 || c.MaxMessageSize != 25<<20 ||
		c.Keyword != "$CaucusgateDone" || c.Start.Mode != StartNow {
		t.Errorf("defaults not applied: %+v", c)
	}
	if got := s.addr(); got != "127.0.0.1:143" {
		t.Errorf("addr = %q, want the IMAP port", got)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		name     string
		lo, hi   time.Duration
		failures int
		r        float64
		want     time.Duration
	}{
		{"first, least jitter", time.Second, 5 * time.Minute, 0, 0, 500 * time.Millisecond},
		{"first, most jitter", time.Second, 5 * time.Minute, 0, 1, time.Second},
		{"third doubles twice", time.Second, 5 * time.Minute, 2, 1, 4 * time.Second},
		{"capped", time.Second, 5 * time.Minute, 30, 1, 5 * time.Minute},
		{"capped, least jitter", time.Second, 5 * time.Minute, 30, 0, 150 * time.Second},
		{"auth track", 5 * time.Minute, time.Hour, 1, 1, 10 * time.Minute},
		{"auth track capped", 5 * time.Minute, time.Hour, 9, 1, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := backoff{lo: tt.lo, hi: tt.hi, failures: tt.failures}
			if got := b.next(tt.r); got != tt.want {
				t.Errorf("next = %v, want %v", got, tt.want)
			}
			if b.failures != tt.failures+1 {
				t.Errorf("failures = %d, want %d", b.failures, tt.failures+1)
			}
		})
	}
}

func TestPlanBatches(t *testing.T) {
	l := limits{count: 3, bytes: 1000, message: 2000}
	m := func(uid uint32, size int64) meta { return meta{uid: uid, size: size} }
	tests := []struct {
		name  string
		metas []meta
		want  [][]uint32
	}{
		{"none", nil, nil},
		{"count", []meta{m(1, 1), m(2, 1), m(3, 1), m(4, 1)}, [][]uint32{{1, 2, 3}, {4}}},
		{"bytes", []meta{m(1, 400), m(2, 400), m(3, 400)}, [][]uint32{{1, 2}, {3}}},
		{"exactly the byte limit", []meta{m(1, 500), m(2, 500), m(3, 1)}, [][]uint32{{1, 2}, {3}}},
		{"bigger than a batch alone", []meta{m(1, 10), m(2, 1500), m(3, 10)}, [][]uint32{{1}, {2}, {3}}},
		{"oversize counts as a header", []meta{m(1, 10), m(2, 1<<30), m(3, 10)}, [][]uint32{{1}, {2}, {3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][]uint32
			for _, b := range planBatches(tt.metas, l) {
				var uids []uint32
				for _, x := range b {
					uids = append(uids, x.uid)
				}
				got = append(got, uids)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("batches %v, want %v", got, tt.want)
			}
			for i := range got {
				if !equalUIDs(got[i], tt.want[i]) {
					t.Fatalf("batches %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func equalUIDs(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzPlanBatches checks the invariants: every message once and in order,
// no batch over its limits unless it holds a single message.
func FuzzPlanBatches(f *testing.F) {
	f.Add([]byte{10, 200, 3, 255, 0}, 3, int64(500))
	f.Add([]byte{}, 1, int64(1))
	f.Fuzz(func(t *testing.T, sizes []byte, count int, maxBytes int64) {
		if count < 1 || maxBytes < 1 {
			t.Skip()
		}
		l := limits{count: count, bytes: maxBytes, message: 200}
		metas := make([]meta, len(sizes))
		for i, s := range sizes {
			metas[i] = meta{uid: uint32(i + 1), size: int64(s) * 10}
		}
		next := uint32(1)
		for _, b := range planBatches(metas, l) {
			var n int64
			for _, m := range b {
				if m.uid != next {
					t.Fatalf("UID %d out of order, want %d", m.uid, next)
				}
				next++
				n += l.cost(m)
			}
			if len(b) == 0 || (len(b) > 1 && (len(b) > count || n > maxBytes)) {
				t.Fatalf("batch of %d messages, %d bytes breaks limits %+v", len(b), n, l)
			}
		}
		if int(next-1) != len(metas) {
			t.Fatalf("planned %d of %d messages", next-1, len(metas))
		}
	})
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "::1": true, "localhost": true,
		"10.0.0.1": false, "imap.example.org": false, "localhost.example.org": false, "": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestOAuthMechanism(t *testing.T) {
	tests := []struct {
		mechs []string
		want  string
	}{
		{[]string{"PLAIN", "OAUTHBEARER", "XOAUTH2"}, "XOAUTH2"},
		{[]string{"oauthbearer"}, "OAUTHBEARER"},
		{[]string{"PLAIN", "LOGIN"}, ""},
	}
	for _, tt := range tests {
		if got, _ := oauthMechanism(tt.mechs); got != tt.want {
			t.Errorf("oauthMechanism(%q) = %q, want %q", tt.mechs, got, tt.want)
		}
	}
}

func TestKeywordAllowed(t *testing.T) {
	kw := imap.Flag("$CaucusgateDone")
	tests := []struct {
		perm []imap.Flag
		want bool
	}{
		{[]imap.Flag{imap.FlagSeen, imap.FlagWildcard}, true},
		{[]imap.Flag{imap.FlagSeen, "$caucusgatedone"}, true},
		{[]imap.Flag{imap.FlagSeen, imap.FlagDeleted}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := keywordAllowed(tt.perm, kw); got != tt.want {
			t.Errorf("keywordAllowed(%v) = %v, want %v", tt.perm, got, tt.want)
		}
	}
}

func TestAuthErrorMatchesErrAuth(t *testing.T) {
	err := error(&AuthError{Mechanism: "LOGIN", Err: errors.New("NO")})
	if !errors.Is(err, ErrAuth) || !permanent(err) {
		t.Errorf("%v: errors.Is(ErrAuth) = %v, permanent = %v", err, errors.Is(err, ErrAuth), permanent(err))
	}
	if permanent(errors.New("connection reset")) {
		t.Error("a network error is permanent")
	}
}
