package imapwatch

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// inspectingSink looks at each message while Accept runs, the only time
// a spooled Raw may be read, and records a copy of the batch.
type inspectingSink struct {
	*memSink
	inspect func(Message)
}

func (s *inspectingSink) Accept(ctx context.Context, b Batch) error {
	kept := b
	kept.Messages = make([]Message, len(b.Messages))
	for i, m := range b.Messages {
		s.inspect(m)
		m.Raw = bytes.Clone(m.Raw)
		kept.Messages[i] = m
	}
	return s.memSink.Accept(ctx, kept)
}

func appendRaw(t *testing.T, ts *testServer, raw []byte) {
	t.Helper()
	if _, err := ts.user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func heapAlloc() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestLargeLiteralIsSpooledOffTheHeap: a message above spoolAbove reaches
// the Sink byte for byte, without its size on the Go heap, whose collector
// would let the heap grow by twice that (issue 12); a small one is read
// into memory as before.
func TestLargeLiteralIsSpooledOffTheHeap(t *testing.T) {
	ts := startServer(t, serverOpts{})
	small := []byte("From: a@itu.int\r\nSubject: small\r\nMessage-ID: <small@test>\r\n\r\nhello\r\n")
	large := []byte("From: a@itu.int\r\nSubject: large\r\nMessage-ID: <large@test>\r\n\r\n" +
		strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123\r\n", 4<<20/68))
	appendRaw(t, ts, small)
	appendRaw(t, ts, large)
	before := heapAlloc()
	var grew int64
	seen := map[string]bool{}
	sink := &inspectingSink{memSink: newMemSink(), inspect: func(m Message) {
		switch {
		case bytes.Equal(m.Raw, small):
			seen["small"] = true
			if m.Spooled() {
				t.Errorf("a %d-byte message was spooled", len(small))
			}
		case bytes.Equal(m.Raw, large):
			seen["large"] = true
			if !m.Spooled() {
				t.Errorf("a %d-byte message was not spooled", len(large))
			}
			grew = heapAlloc() - before
		default:
			t.Errorf("UID %d: %d bytes, neither message as appended", m.UID, len(m.Raw))
		}
	}}
	if err := newSupervisor(t, testConfig(t, ts.addr, sink, nil)).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !seen["small"] || !seen["large"] {
		t.Fatalf("messages seen %v, want both", seen)
	}
	if grew > int64(len(large))/2 {
		t.Errorf("live heap grew by %d bytes holding a %d-byte spooled message", grew, len(large))
	}
}

// keepingSink keeps every message past Accept, as the gateway's does for
// its hand-off's senders.
type keepingSink struct {
	*memSink
	kept     []Message
	releases []func()
}

func (s *keepingSink) Accept(ctx context.Context, b Batch) error {
	for _, m := range b.Messages {
		s.kept = append(s.kept, m)
		s.releases = append(s.releases, m.Keep())
	}
	return s.memSink.Accept(ctx, b)
}

// mappedLiterals counts the spool files this process has mapped, from
// /proc/self/maps (unlinked, they show as "(deleted)").
func mappedLiterals(t *testing.T) int {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps to count mappings: %v", err)
	}
	return strings.Count(string(maps), "caucusgate-literal-")
}

// TestKeptSpooledMessageOutlivesAccept: a spooled message the Sink keeps
// stays mapped, byte for byte, after Accept and the batch's release, and
// is unmapped on its release (one release only: a second does nothing);
// one nobody keeps is unmapped when Accept returns.
func TestKeptSpooledMessageOutlivesAccept(t *testing.T) {
	ts := startServer(t, serverOpts{})
	large := []byte("From: a@itu.int\r\nSubject: large\r\nMessage-ID: <large@test>\r\n\r\n" +
		strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123\r\n", 2<<20/68))
	small := []byte("From: a@itu.int\r\nSubject: small\r\nMessage-ID: <small@test>\r\n\r\nhello\r\n")
	appendRaw(t, ts, large)
	appendRaw(t, ts, small)
	before := mappedLiterals(t)
	sink := &keepingSink{memSink: newMemSink()}
	if err := newSupervisor(t, testConfig(t, ts.addr, sink, nil)).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(sink.kept) != 2 || !sink.kept[0].Spooled() || sink.kept[1].Spooled() {
		t.Fatalf("kept %d messages (spooled: %v), want the large one spooled and the small one not", len(sink.kept), spooledFlags(sink.kept))
	}
	if got := mappedLiterals(t) - before; got != 1 {
		t.Fatalf("after the batch: %d literals mapped, want the kept one", got)
	}
	if !bytes.Equal(sink.kept[0].Raw, large) {
		t.Fatal("the kept spooled message differs from the one appended")
	}
	for _, release := range sink.releases {
		release()
		release()
	}
	if got := mappedLiterals(t) - before; got != 0 {
		t.Fatalf("after its release: %d literals mapped, want none", got)
	}

	appendRaw(t, ts, large)
	if err := newSupervisor(t, testConfig(t, ts.addr, newMemSink(), nil)).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := mappedLiterals(t) - before; got != 0 {
		t.Fatalf("a spooled message nobody kept: %d literals mapped after Accept, want none", got)
	}
}

func spooledFlags(ms []Message) []bool {
	var f []bool
	for _, m := range ms {
		f = append(f, m.Spooled())
	}
	return f
}
