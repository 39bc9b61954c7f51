package imapwatch

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

const keyword = imap.Flag(DefaultKeyword)

// testConfig points a Supervisor at addr with fast retries and a fixed
// jitter source.
func testConfig(t *testing.T, addr string, sink Sink, obs Observer) Config {
	return Config{
		Account:      "bureau",
		URL:          &url.URL{Scheme: "imap", Host: addr},
		Username:     testUser,
		Password:     testPass,
		IDLE:         true,
		PollInterval: 20 * time.Millisecond,
		Start:        Start{Mode: StartAll},
		RetryMin:     5 * time.Millisecond,
		RetryMax:     20 * time.Millisecond,
		AuthRetryMin: 5 * time.Millisecond,
		AuthRetryMax: 20 * time.Millisecond,
		Sink:         sink,
		Observer:     obs,
		Logger:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Rand:         func() float64 { return 0.5 },
	}
}

func newSupervisor(t *testing.T, cfg Config) *Supervisor {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runInBackground starts Run and stops it, checking its result, at cleanup.
func runInBackground(t *testing.T, s *Supervisor) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
	})
}

func TestStartPolicies(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		start    Start
		epoch    Epoch // the UIDs a StartSince epoch filters are those there at start
		subjects []string
	}{
		{"now", Start{Mode: StartNow}, Epoch{UIDValidity: 1, LastUID: 3, Start: now}, []string{"fresh"}},
		{"all", Start{Mode: StartAll}, Epoch{UIDValidity: 1}, []string{"old", "recent", "today", "fresh"}},
		{"since 10 days", Start{Mode: StartSince, Since: 240 * time.Hour},
			Epoch{UIDValidity: 1, FingerprintBelow: 4, Start: now.Add(-240 * time.Hour)}, []string{"recent", "today", "fresh"}},
		{"since, nothing that recent", Start{Mode: StartSince, Since: time.Hour},
			Epoch{UIDValidity: 1, FingerprintBelow: 4, Start: now.Add(-time.Hour)}, []string{"today", "fresh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{})
			ts.deliver("INBOX", "old", "x", now.Add(-40*24*time.Hour))
			ts.deliver("INBOX", "recent", "x", now.Add(-5*24*time.Hour))
			ts.deliver("INBOX", "today", "x", now.Add(-time.Hour))
			sink := newMemSink()
			cfg := testConfig(t, ts.addr, sink, nil)
			cfg.Start, cfg.Now = tt.start, func() time.Time { return now }
			s := newSupervisor(t, cfg)
			if err := s.SyncOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			ts.deliver("INBOX", "fresh", "x", now)
			if err := s.SyncOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			epochs, _, _ := sink.snapshot()
			want := []Epoch{tt.epoch}
			if !slices.Equal(epochs, want) {
				t.Errorf("epochs = %+v, want %+v", epochs, want)
			}
			if got := sink.subjects(); !slices.Equal(got, tt.subjects) {
				t.Errorf("accepted %q, want %q", got, tt.subjects)
			}
		})
	}
}

func TestAckSetsKeywordAndLeavesSeenUnset(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.deliver("INBOX", "one", "x", time.Now())
	ts.deliver("INBOX", "two", "x", time.Now())
	sink := newMemSink()
	if err := newSupervisor(t, testConfig(t, ts.addr, sink, nil)).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	flags := ts.flags("INBOX")
	if len(flags) != 2 {
		t.Fatalf("server has %d messages, want 2", len(flags))
	}
	for uid, f := range flags {
		if !hasFlag(f, keyword) {
			t.Errorf("UID %d flags %v lack %s", uid, f, keyword)
		}
		if slices.Contains(f, imap.FlagSeen) {
			t.Errorf("UID %d flags %v include \\Seen", uid, f)
		}
	}
	if _, _, acked := sink.snapshot(); !slices.EqualFunc(acked, [][]uint32{{1, 2}}, slices.Equal) {
		t.Errorf("MarkAcked calls %v, want [[1 2]]", acked)
	}
}

func TestDoneMailboxMoves(t *testing.T) {
	ts := startServer(t, serverOpts{})
	for _, s := range []string{"a", "b", "c"} {
		ts.deliver("INBOX", s, "x", time.Now())
	}
	sink := newMemSink()
	cfg := testConfig(t, ts.addr, sink, nil)
	cfg.DoneMailbox = "Caucusgate/Done" // absent: created on TRYCREATE
	if err := newSupervisor(t, cfg).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := ts.count("INBOX"); n != 0 {
		t.Errorf("INBOX has %d messages after the move, want 0", n)
	}
	if n := ts.count("Caucusgate/Done"); n != 3 {
		t.Errorf("done mailbox has %d messages, want 3", n)
	}
	if got := sink.subjects(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("accepted %q", got)
	}
}

func TestDoneMailboxRefusedWithoutMoveOrUIDPlus(t *testing.T) {
	ts := startServer(t, serverOpts{caps: imap.CapSet{imap.CapIMAP4rev1: {}}})
	ts.deliver("INBOX", "a", "x", time.Now())
	sink := newMemSink()
	cfg := testConfig(t, ts.addr, sink, nil)
	cfg.DoneMailbox = "Done"
	err := newSupervisor(t, cfg).SyncOnce(t.Context())
	if !errors.Is(err, ErrNoMove) {
		t.Fatalf("SyncOnce = %v, want ErrNoMove", err)
	}
	if got := sink.subjects(); len(got) != 0 {
		t.Errorf("accepted %q before refusing", got)
	}
}

// A crash after the store committed but before the server was told: the
// next connection acknowledges those messages first, and hands none of
// them to the store again.
func TestCrashBetweenAcceptAndAckIsAckedOnReconnect(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.deliver("INBOX", "a", "x", time.Now())
	ts.deliver("INBOX", "b", "x", time.Now())
	sink := &cuttingSink{memSink: newMemSink(), cut: ts.ln.dropAll}
	s := newSupervisor(t, testConfig(t, ts.addr, sink, nil))
	if err := s.SyncOnce(t.Context()); err == nil {
		t.Fatal("SyncOnce succeeded with the connection cut after Accept")
	}
	if f := ts.flags("INBOX"); hasFlag(f[1], keyword) {
		t.Fatalf("keyword set despite the cut: %v", f)
	}
	if un, _ := sink.Unacked(t.Context(), "INBOX", 1); !slices.Equal(un, []uint32{1, 2}) {
		t.Fatalf("unacked = %v, want [1 2]", un)
	}
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	for uid, f := range ts.flags("INBOX") {
		if !hasFlag(f, keyword) {
			t.Errorf("UID %d not acknowledged after reconnect: %v", uid, f)
		}
	}
	if got := sink.subjects(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("accepted %q, want each message once", got)
	}
	if un, _ := sink.Unacked(t.Context(), "INBOX", 1); len(un) != 0 {
		t.Errorf("still unacked: %v", un)
	}
}

// cuttingSink cuts the IMAP connection right after its first commit.
type cuttingSink struct {
	*memSink
	once sync.Once
	cut  func()
}

func (s *cuttingSink) Accept(ctx context.Context, b Batch) error {
	err := s.memSink.Accept(ctx, b)
	s.once.Do(s.cut)
	return err
}

func TestUIDValidityResetBeginsFingerprintEpoch(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.deliver("INBOX", "a", "x", time.Now())
	ts.deliver("INBOX", "b", "x", time.Now())
	sink := newMemSink()
	s := newSupervisor(t, testConfig(t, ts.addr, sink, nil))
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The server rebuilt its index: same mail, new UIDVALIDITY, plus one
	// new message.
	ts.recreate("INBOX")
	for _, subj := range []string{"a", "b", "c"} {
		ts.deliver("INBOX", subj, "x", time.Now())
	}
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	epochs, batches, _ := sink.snapshot()
	want := []Epoch{{UIDValidity: 1, LastUID: 0}, {UIDValidity: 2, LastUID: 0, FingerprintBelow: 4}}
	if !slices.Equal(epochs, want) {
		t.Fatalf("epochs = %+v, want %+v", epochs, want)
	}
	// a and b are recognised by their headers before any download; only c
	// is fetched whole.
	last := batches[len(batches)-1]
	if last.UIDValidity != 2 || !slices.Equal(last.UIDs(), []uint32{3}) {
		t.Errorf("after reset got UIDVALIDITY %d UIDs %v, want 2 [3]", last.UIDValidity, last.UIDs())
	}
}

func TestBatchesRespectLimits(t *testing.T) {
	body := strings.Repeat("0123456789", 100) // ~1.1 KB messages
	tests := []struct {
		name  string
		count int
		bytes int64
		sizes []int
	}{
		{"by bytes", 50, 2500, []int{2, 2, 1}},
		{"by count", 3, 1 << 20, []int{3, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{})
			for i := range 5 {
				ts.deliver("INBOX", string(rune('a'+i)), body, time.Now())
			}
			sink := newMemSink()
			cfg := testConfig(t, ts.addr, sink, nil)
			cfg.BatchSize, cfg.BatchBytes = tt.count, tt.bytes
			if err := newSupervisor(t, cfg).SyncOnce(t.Context()); err != nil {
				t.Fatal(err)
			}
			_, batches, _ := sink.snapshot()
			var sizes []int
			for _, b := range batches {
				sizes = append(sizes, len(b.Messages))
				var n int64
				for _, m := range b.Messages {
					n += int64(len(m.Raw))
				}
				if n > tt.bytes {
					t.Errorf("batch %v holds %d bytes, limit %d", b.UIDs(), n, tt.bytes)
				}
			}
			if !slices.Equal(sizes, tt.sizes) {
				t.Errorf("batch sizes %v, want %v", sizes, tt.sizes)
			}
		})
	}
}

func TestOversizeMessageArrivesHeaderOnly(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.deliver("INBOX", "small", "hello", time.Now())
	ts.deliver("INBOX", "huge", strings.Repeat("attachment ", 200), time.Now())
	sink := newMemSink()
	cfg := testConfig(t, ts.addr, sink, nil)
	cfg.MaxMessageSize = 1000
	if err := newSupervisor(t, cfg).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, batches, _ := sink.snapshot()
	if len(batches) != 1 || len(batches[0].Messages) != 2 {
		t.Fatalf("batches = %+v", batches)
	}
	small, huge := batches[0].Messages[0], batches[0].Messages[1]
	if small.Oversize || !bytes.Contains(small.Raw, []byte("hello")) {
		t.Errorf("small message: oversize %v, raw %q", small.Oversize, small.Raw)
	}
	if !huge.Oversize || huge.Size <= 1000 {
		t.Errorf("huge message: oversize %v, size %d", huge.Oversize, huge.Size)
	}
	if bytes.Contains(huge.Raw, []byte("attachment")) || !bytes.HasSuffix(huge.Raw, []byte("\r\n\r\n")) {
		t.Errorf("huge message raw is not the header alone: %q", huge.Raw)
	}
	if subjectOf(huge.Raw) != "huge" {
		t.Errorf("huge message header lacks its subject: %q", huge.Raw)
	}
}

func TestIdleFetchesNewMail(t *testing.T) {
	ts := startServer(t, serverOpts{})
	sink, obs := newMemSink(), newRecObserver()
	runInBackground(t, newSupervisor(t, testConfig(t, ts.addr, sink, obs)))
	obs.waitState(t, StateIdle)
	ts.deliver("INBOX", "during idle", "x", time.Now())
	sink.waitFor(t, "the message to be acknowledged", func() bool { return len(sink.acked) == 1 })
	if got := sink.subjects(); !slices.Equal(got, []string{"during idle"}) {
		t.Errorf("accepted %q", got)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if slices.Contains(obs.states, StatePolling) {
		t.Errorf("polled although the server has IDLE: %v", obs.states)
	}
}

func TestPolls(t *testing.T) {
	tests := []struct {
		name   string
		server serverOpts
		idle   bool
	}{
		{"server without IDLE", serverOpts{caps: imap.CapSet{imap.CapIMAP4rev1: {}}, noIdle: true}, true},
		{"IDLE turned off", serverOpts{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.server)
			sink, obs := newMemSink(), newRecObserver()
			cfg := testConfig(t, ts.addr, sink, obs)
			cfg.IDLE = tt.idle
			runInBackground(t, newSupervisor(t, cfg))
			obs.waitState(t, StatePolling)
			ts.deliver("INBOX", "polled", "x", time.Now())
			sink.waitFor(t, "the message to be acknowledged", func() bool { return len(sink.acked) == 1 })
			obs.mu.Lock()
			defer obs.mu.Unlock()
			if slices.Contains(obs.states, StateIdle) {
				t.Errorf("sent IDLE: %v", obs.states)
			}
		})
	}
}

// IDLE is re-issued on schedule without dropping the connection.
func TestIdleRestarts(t *testing.T) {
	ts := startServer(t, serverOpts{})
	sink, obs := newMemSink(), newRecObserver()
	cfg := testConfig(t, ts.addr, sink, obs)
	cfg.IdleRestart = 5 * time.Millisecond
	runInBackground(t, newSupervisor(t, cfg))
	for range 4 {
		obs.waitState(t, StateIdle)
	}
	ts.deliver("INBOX", "after restarts", "x", time.Now())
	sink.waitFor(t, "the message to be acknowledged", func() bool { return len(sink.acked) == 1 })
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.reasons) != 0 || countState(obs.states, StateConnecting) != 1 {
		t.Errorf("restarting IDLE reconnected: reasons %v", obs.reasons)
	}
}

func countState(states []State, want State) int {
	n := 0
	for _, s := range states {
		if s == want {
			n++
		}
	}
	return n
}

func TestReconnectsAfterServerDropsIdle(t *testing.T) {
	ts := startServer(t, serverOpts{})
	ts.deliver("INBOX", "before", "x", time.Now())
	sink, obs := newMemSink(), newRecObserver()
	runInBackground(t, newSupervisor(t, testConfig(t, ts.addr, sink, obs)))
	obs.waitState(t, StateIdle)
	ts.ln.dropAll()
	ts.deliver("INBOX", "while away", "x", time.Now())
	sink.waitFor(t, "both messages acknowledged", func() bool { return len(sink.acked) == 2 })
	if got := sink.subjects(); !slices.Equal(got, []string{"before", "while away"}) {
		t.Errorf("accepted %q", got)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.reasons) == 0 || len(obs.auth) != 0 {
		t.Errorf("reconnect reasons %v, auth failures %v: want a network failure", obs.reasons, obs.auth)
	}
}

func TestAuthFailureIsTyped(t *testing.T) {
	ts := startServer(t, serverOpts{})
	obs := newRecObserver()
	cfg := testConfig(t, ts.addr, newMemSink(), obs)
	cfg.Password = "wrong"
	err := newSupervisor(t, cfg).SyncOnce(t.Context())
	var authErr *AuthError
	if !errors.As(err, &authErr) || !errors.Is(err, ErrAuth) {
		t.Fatalf("SyncOnce = %v, want an *AuthError", err)
	}
	if authErr.Mechanism != "LOGIN" {
		t.Errorf("mechanism %q, want LOGIN", authErr.Mechanism)
	}
	if len(obs.auth) != 1 {
		t.Errorf("observer saw %d auth failures, want 1", len(obs.auth))
	}
}

func TestRunRetriesAuthFailuresOnTheSlowTrack(t *testing.T) {
	ts := startServer(t, serverOpts{})
	obs := newRecObserver()
	cfg := testConfig(t, ts.addr, newMemSink(), obs)
	cfg.Password = "wrong"
	cfg.RetryMin, cfg.RetryMax = time.Hour, time.Hour // would stall the test if used
	runInBackground(t, newSupervisor(t, cfg))
	for range 3 {
		obs.waitState(t, StateBackoff)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	for _, err := range obs.reasons {
		if !errors.Is(err, ErrAuth) {
			t.Errorf("reconnect reason %v is not an auth failure", err)
		}
	}
	if len(obs.auth) < 3 {
		t.Errorf("observer saw %d auth failures, want at least 3", len(obs.auth))
	}
}

func TestRunStopsWhenContextEnds(t *testing.T) {
	ts := startServer(t, serverOpts{})
	obs := newRecObserver()
	s := newSupervisor(t, testConfig(t, ts.addr, newMemSink(), obs))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	obs.waitState(t, StateIdle)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if last := obs.states[len(obs.states)-1]; last != StateStopped {
		t.Errorf("last state %v, want stopped", last)
	}
	if len(obs.reasons) != 0 {
		t.Errorf("stopping was reported as a failure: %v", obs.reasons)
	}
}

// hasFlag compares as servers do: keywords are case-insensitive
// (imapmemserver stores them in lower case).
func hasFlag(flags []imap.Flag, want imap.Flag) bool {
	return slices.ContainsFunc(flags, func(f imap.Flag) bool { return strings.EqualFold(string(f), string(want)) })
}

// Without UIDNEXT in SELECT, "start now" still skips what is there.
func TestStartNowWithoutUIDNextInSelect(t *testing.T) {
	ts := startServer(t, serverOpts{rewrite: dropUIDNext})
	ts.deliver("INBOX", "old", "x", time.Now())
	ts.deliver("INBOX", "older", "x", time.Now())
	sink := newMemSink()
	cfg := testConfig(t, ts.addr, sink, nil)
	cfg.Start = Start{Mode: StartNow}
	s := newSupervisor(t, cfg)
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts.deliver("INBOX", "new", "x", time.Now())
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if epochs, _, _ := sink.snapshot(); len(epochs) != 1 || epochs[0].LastUID != 2 {
		t.Errorf("epochs = %+v, want one with LastUID 2", epochs)
	}
	if got := sink.subjects(); !slices.Equal(got, []string{"new"}) {
		t.Errorf("accepted %q, want only the new message", got)
	}
}

// Where keywords cannot be stored, acknowledging still records the
// messages in the store: the watermark is the record.
func TestAckWithoutKeywordSupport(t *testing.T) {
	ts := startServer(t, serverOpts{rewrite: noKeywords})
	ts.deliver("INBOX", "a", "x", time.Now())
	sink := newMemSink()
	if err := newSupervisor(t, testConfig(t, ts.addr, sink, nil)).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if f := ts.flags("INBOX")[1]; hasFlag(f, keyword) {
		t.Errorf("keyword stored although PERMANENTFLAGS forbid it: %v", f)
	}
	if _, _, acked := sink.snapshot(); len(acked) != 1 {
		t.Errorf("MarkAcked calls %v, want one", acked)
	}
}
