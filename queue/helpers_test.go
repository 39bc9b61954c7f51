package queue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"caucusgate/queue/queuetest"
)

// fastRetry retries at once, for as many attempts as a test needs.
type fastRetry struct{ attempts int }

func (p fastRetry) Delay(int) time.Duration { return time.Millisecond }
func (p fastRetry) MaxAttempts() int        { return orDefault(p.attempts, 5) }

// forEachBackend runs a test against every store the machine has.
func forEachBackend(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Parallel() // every test has its own stores
	for _, b := range queuetest.DSNs(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.DSN) })
	}
}

func openTest(t testing.TB, dsn string, opts Options) *Store {
	t.Helper()
	opts.DSN = dsn
	if opts.Retry == nil {
		opts.Retry = fastRetry{}
	}
	opts.FetchPollInterval = orDefault(opts.FetchPollInterval, 20*time.Millisecond)
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Stop(ctx)
		s.Close()
	})
	return s
}

var inbox = MailboxKey{Account: "bureau", Mailbox: "INBOX"}

func begin(t testing.TB, s *Store, uidValidity, below uint32) {
	t.Helper()
	if err := s.BeginEpoch(context.Background(), inbox, Epoch{UIDValidity: uidValidity, FingerprintBelow: below}); err != nil {
		t.Fatalf("BeginEpoch: %v", err)
	}
}

// message builds an Incoming whose fingerprint is derived from its body,
// as the gateway derives it from the raw bytes.
func message(uid uint32, messageID, body string, caucuses ...string) Incoming {
	raw := []byte("Message-ID: " + messageID + "\r\nSubject: test\r\n\r\n" + body + "\r\n")
	sum := sha256.Sum256(raw)
	m := Incoming{UID: uid, MessageID: messageID, Fingerprint: messageID + " " + hex.EncodeToString(sum[:]),
		Raw: raw, Decision: "forward", Caucuses: caucuses, Rules: []string{"r1"}, Reason: "test",
		Trace: json.RawMessage(`{"steps":[]}`), Subject: "test", From: "inviter@itu.int"}
	for _, c := range caucuses {
		m.Deliveries = append(m.Deliveries, NewDelivery{Caucus: c, EnvelopeFrom: "bureau@example.org",
			Recipients: []string{c + "@example.org"}, Spec: json.RawMessage(`{"mode":"resend"}`)})
	}
	return m
}

func intake(t testing.TB, s *Store, uidValidity uint32, msgs ...Incoming) []Outcome {
	t.Helper()
	out, err := s.Intake(context.Background(), inbox, uidValidity, msgs)
	if err != nil {
		t.Fatalf("Intake: %v", err)
	}
	return out
}

// call is one Deliver call a recorder saw.
type call struct {
	d   Delivery
	raw []byte
}

// recorder is the test's relay: it records every call and answers with
// what answer returns (nil: accepted).
type recorder struct {
	mu     sync.Mutex
	calls  []call
	answer func(d Delivery) error
	done   chan DeliveryOutcome
}

func newRecorder(answer func(Delivery) error) *recorder {
	return &recorder{answer: answer, done: make(chan DeliveryOutcome, 100)}
}

func (r *recorder) Deliver(ctx context.Context, d Delivery, raw io.Reader) error {
	b, err := io.ReadAll(raw)
	if err != nil {
		return fmt.Errorf("read raw: %w", err)
	}
	r.mu.Lock()
	r.calls = append(r.calls, call{d: d, raw: b})
	r.mu.Unlock()
	if r.answer == nil {
		return nil
	}
	return r.answer(d)
}

func (r *recorder) callsFor(id int64) []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []call
	for _, c := range r.calls {
		if c.d.ID == id {
			out = append(out, c)
		}
	}
	return out
}

func (r *recorder) onOutcome(o DeliveryOutcome) { r.done <- o }

// waitOutcomes waits for n finished attempts; a generous deadline turns a
// hang into a failure, it asserts nothing about speed.
func (r *recorder) waitOutcomes(t testing.TB, n int) []DeliveryOutcome {
	t.Helper()
	var got []DeliveryOutcome
	deadline := time.After(20 * time.Second)
	for len(got) < n {
		select {
		case o := <-r.done:
			got = append(got, o)
		case <-deadline:
			t.Fatalf("waited for %d delivery outcomes, got %d: %+v", n, len(got), got)
		}
	}
	return got
}

func startWorkers(t testing.TB, dsn string, r *recorder, opts Options) *Store {
	t.Helper()
	opts.OnOutcome = r.onOutcome
	s := openTest(t, dsn, opts)
	if err := s.Start(context.Background(), r); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s
}

// waitFor polls cond until it holds; the deadline only turns a hang into
// a failure.
func waitFor(t testing.TB, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type deliveryRow struct {
	State             DeliveryState
	Started, Finished int
	LastError         string
	JobID             int64
}

func readDelivery(t testing.TB, s *Store, id int64) deliveryRow {
	t.Helper()
	var r deliveryRow
	err := s.db.QueryRow(s.q(`SELECT state, attempts_started, attempts_finished, last_error, COALESCE(job_id, 0)
		FROM deliveries WHERE id = ?`), id).Scan(&r.State, &r.Started, &r.Finished, &r.LastError, &r.JobID)
	if err != nil {
		t.Fatalf("read delivery %d: %v", id, err)
	}
	return r
}

func count(t testing.TB, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(s.q(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func rawOf(t testing.TB, s *Store, ref int64) []byte {
	t.Helper()
	r, err := s.OpenRaw(context.Background(), ref)
	if err != nil {
		t.Fatalf("OpenRaw: %v", err)
	}
	defer r.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		t.Fatalf("read raw: %v", err)
	}
	return b.Bytes()
}
