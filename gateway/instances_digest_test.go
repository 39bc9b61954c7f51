package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"caucusgate/gateway/mailsim"
	"caucusgate/gateway/smtprelay"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
	"caucusgate/rules/schedule"
)

// The inviter of invitation(7, ...), to whom the caucus replies go.
const digestInviter = "events@itu.int"

// TestTwoInstancesSendOneReplyDigest runs two daemons on one PostgreSQL
// store with replies waiting for an hourly slot. The claimant's DATA is
// slow: it is held for several scheduler passes of the other instance,
// which sees the open batch meanwhile and must leave it to the claimant.
// The relay accepts the digest once, with every reply in it once.
func TestTwoInstancesSendOneReplyDigest(t *testing.T) {
	dsn := queuetest.Postgres(t)
	p, clock := queuedReplies(t, dsn, true)
	claimant, got := relayWithSlowClaimant(t, p, dsn, clock, 1)
	if len(got) != 1 {
		t.Fatalf("the relay accepted %d messages to the inviter, want one digest (clients: %v)", len(got), clientsOf(got))
	}
	if got[0].client != claimant {
		t.Errorf("the digest came from %s, want the claimant %s", got[0].client, claimant)
	}
	assertDigestOfReplies(t, got[0].Data, digestReplies)
}

// TestTwoInstancesRelayEachReplyOnceOneByOne: with replies.digest false
// the claimant relays the batch reply by reply, the first held in a slow
// DATA; the other instance sends none of them, and each reply reaches
// the inviter once.
func TestTwoInstancesRelayEachReplyOnceOneByOne(t *testing.T) {
	dsn := queuetest.Postgres(t)
	p, clock := queuedReplies(t, dsn, false)
	claimant, got := relayWithSlowClaimant(t, p, dsn, clock, len(digestReplies))
	if len(got) != len(digestReplies) {
		t.Fatalf("the relay accepted %d messages to the inviter, want %d, one per reply (clients: %v)", len(got), len(digestReplies), clientsOf(got))
	}
	var all strings.Builder
	for _, m := range got {
		if m.client != claimant {
			t.Errorf("a reply came from %s, want the claimant %s", m.client, claimant)
		}
		h := readHeader(t, m.Data)
		if ct := h.Get("Content-Type"); strings.HasPrefix(ct, "multipart/digest") {
			t.Errorf("Content-Type %q with digest: false", ct)
		}
		all.Write(m.Data)
	}
	for _, r := range digestReplies {
		if n := strings.Count(all.String(), replyBody(r.n)); n != 1 {
			t.Errorf("the inviter got the text of reply %d %d times, want once", r.n, n)
		}
	}
}

// relayWithSlowClaimant runs two daemons on the store at dsn until the
// relay accepted want messages to the inviter. The claimant's first DATA
// is held for several scheduler passes of the other instance, which sees
// the open batch meanwhile. It returns the claimant's EHLO name and what
// the relay accepted for the inviter.
func relayWithSlowClaimant(t *testing.T, p *pipeline, dsn string, clock func() time.Time, want int) (string, []relayed) {
	t.Helper()
	relay := startHeldRelay(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, host := range []string{"gw-a.example.org", "gw-b.example.org"} {
		startDigestInstance(ctx, t, &wg, p, dsn, relay.addr, host, clock, queue.Options{})
	}
	claimant := relay.awaitHeld(t)
	time.Sleep(3 * time.Second) // three scheduler passes of the other instance during the slow DATA
	relay.release <- nil
	relay.awaitAccepted(t, want)
	time.Sleep(2 * time.Second) // room for a duplicate to show, were there one
	cancel()
	wg.Wait()
	return claimant, relay.acceptedTo(digestInviter)
}

// TestStoppedClaimantsDigestIsSentAtOnce: the claimant is stopped
// (SIGTERM) in the middle of its slow DATA, which the relay then refuses
// for now. Stopping, it releases its slot claim, so the other instance
// takes the slot over at once, with no clock moved past SlotClaimTTL, and
// sends the digest once.
func TestStoppedClaimantsDigestIsSentAtOnce(t *testing.T) {
	dsn := queuetest.Postgres(t)
	p, clock := queuedReplies(t, dsn, true)
	relay := startHeldRelay(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hosts := []string{"gw-a.example.org", "gw-b.example.org"}
	cancels, waits := map[string]context.CancelFunc{}, map[string]*sync.WaitGroup{}
	for _, host := range hosts {
		ictx, icancel := context.WithCancel(ctx)
		cancels[host], waits[host] = icancel, &sync.WaitGroup{}
		startDigestInstance(ictx, t, waits[host], p, dsn, relay.addr, host, clock, queue.Options{})
	}
	claimant := relay.awaitHeld(t)
	cancels[claimant]()
	relay.release <- &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "the claimant stopped before this reply"}
	waits[claimant].Wait()
	relay.awaitAccepted(t, 1)
	time.Sleep(2 * time.Second) // room for a duplicate to show, were there one
	cancel()
	for _, w := range waits {
		w.Wait()
	}
	got := relay.acceptedTo(digestInviter)
	if len(got) != 1 {
		t.Fatalf("the relay accepted %d messages to the inviter, want one digest (clients: %v)", len(got), clientsOf(got))
	}
	if got[0].client == claimant {
		t.Errorf("the digest came from the stopped claimant %s", claimant)
	}
	assertDigestOfReplies(t, got[0].Data, digestReplies)
}

// TestDeadClaimantsDigestIsTakenOver: a claimant killed (kill -9) in the
// middle of its DATA never deregisters: it leaves its slot claim and the
// open batch behind. A daemon in this process cannot be killed, so the
// test leaves what a killed one leaves, written through the store as its
// scheduler writes them. The surviving instance leaves the batch alone
// while the claim lasts, takes the slot over once it expired, and sends
// the digest once.
func TestDeadClaimantsDigestIsTakenOver(t *testing.T) {
	dsn := queuetest.Postgres(t)
	p, clock := queuedReplies(t, dsn, true)
	relay := startHeldRelay(t)
	dbClock := newTestClock(clock())
	opts := queue.Options{DBNow: dbClock.Now}
	leaveDeadClaimantsBatch(t, dsn, clock(), opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	startDigestInstance(ctx, t, &wg, p, dsn, relay.addr, "gw-b.example.org", clock, opts)
	time.Sleep(3 * time.Second) // three scheduler passes of the survivor while the dead claim lasts
	if got := relay.acceptedTo(digestInviter); len(got) != 0 {
		t.Fatalf("while the dead claimant's claim lasts, the relay accepted %d messages (clients: %v)", len(got), clientsOf(got))
	}
	dbClock.Add(queue.SlotClaimTTL + time.Minute)
	relay.awaitHeld(t)
	relay.release <- nil
	relay.awaitAccepted(t, 1)
	time.Sleep(2 * time.Second) // room for a duplicate to show, were there one
	cancel()
	wg.Wait()
	got := relay.acceptedTo(digestInviter)
	if len(got) != 1 {
		t.Fatalf("the relay accepted %d messages to the inviter, want one digest (clients: %v)", len(got), clientsOf(got))
	}
	assertDigestOfReplies(t, got[0].Data, digestReplies)
}

// leaveDeadClaimantsBatch does what a claimant killed during its DATA did:
// it claimed the replies' due slot and opened its batches, and neither
// sent them nor released the claim.
func leaveDeadClaimantsBatch(t *testing.T, dsn string, now time.Time, opts queue.Options) {
	t.Helper()
	ctx := context.Background()
	opts.DSN = dsn
	dead, err := queue.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	infos, err := dead.Schedules(ctx)
	if err != nil || len(infos) != 1 {
		t.Fatalf("schedules: %+v, %v; want the replies' one", infos, err)
	}
	sched, err := schedule.Parse(infos[0].Spec)
	if err != nil {
		t.Fatal(err)
	}
	slot, _ := sched.CatchUp(time.Time{}, now)
	items, err := dead.DuePending(ctx, infos[0].Spec, slot)
	if err != nil || len(items) != len(digestReplies) {
		t.Fatalf("due replies: %d, %v; want %d", len(items), err, len(digestReplies))
	}
	if ok, err := dead.ClaimSlot(ctx, infos[0].Spec, slot, dead.InstanceID()); err != nil || !ok {
		t.Fatalf("the claimant-to-be claims the slot: %v, %v", ok, err)
	}
	for _, group := range queue.GroupByDestination(items) {
		ids := make([]int64, len(group))
		for i, it := range group {
			ids[i] = it.ID
		}
		key := queue.BatchKey{Schedule: infos[0].Spec, Slot: slot, Destination: group[0].Destination}
		if _, err := dead.BeginBatch(ctx, key, ids); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeferredDigestWaitsItsStoredBackoff: the relay answers the
// claimant's DATA with 451. Neither instance attempts the batch again
// while its backoff, stored with it, lasts; once it passed, the digest is
// sent once.
func TestDeferredDigestWaitsItsStoredBackoff(t *testing.T) {
	dsn := queuetest.Postgres(t)
	p, clock := queuedReplies(t, dsn, true)
	relay := startHeldRelay(t)
	dbClock := newTestClock(clock())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, host := range []string{"gw-a.example.org", "gw-b.example.org"} {
		startDigestInstance(ctx, t, &wg, p, dsn, relay.addr, host, clock, queue.Options{DBNow: dbClock.Now})
	}
	relay.awaitHeld(t)
	relay.release <- &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	time.Sleep(3 * time.Second) // three scheduler passes of each instance while the batch waits
	if got := relay.acceptedTo(digestInviter); len(got) != 0 {
		t.Fatalf("during the batch's backoff the relay accepted %d messages (clients: %v)", len(got), clientsOf(got))
	}
	dbClock.Add(schedulerRetry + time.Minute)
	relay.awaitAccepted(t, 1)
	time.Sleep(2 * time.Second) // room for a duplicate to show, were there one
	cancel()
	wg.Wait()
	got := relay.acceptedTo(digestInviter)
	if len(got) != 1 {
		t.Fatalf("the relay accepted %d messages to the inviter, want one digest (clients: %v)", len(got), clientsOf(got))
	}
	assertDigestOfReplies(t, got[0].Data, digestReplies)
}

// digestReplies answer invitation 7 from the gender caucus: the bodies
// and Message-IDs (reply(..., n)) the digest must hold once each.
var digestReplies = []struct {
	from string
	n    int
}{{"Gina <gina@gender.example.net>", 31}, {"Gabi <gabi@gender.example.net>", 32}, {"Gus <gus@gender.example.net>", 33}}

// queuedReplies forwards invitation 7 and takes in the replies to it on
// an hourly schedule (relayed as one digest or one by one), before their
// slot, through run -once on the
// PostgreSQL store at dsn. It returns the pipeline and the clock the
// daemons run on: past the replies' slot.
func queuedReplies(t *testing.T, dsn string, digest bool) (*pipeline, func() time.Time) {
	t.Helper()
	p := newPipeline(t, dsn, mailsim.Options{})
	replies := fmt.Sprintf("replies:\n  schedule: \"@every 1h\"\n  digest: %t\nrules:\n", digest)
	p.setRules(t, strings.Replace(testRules, "rules:\n", replies, 1))
	before := time.Date(2026, 11, 24, 9, 10, 0, 0, time.UTC)
	p.cfg.Now = func() time.Time { return before }
	replyTo := forwardedReplyTo(t, p)
	for _, r := range digestReplies {
		if err := p.world.Append("bureau@example.org", "INBOX", reply(r.from, replyTo, replyBody(r.n), r.n)); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	if n := len(relayedTo(p, digestInviter)); n != 0 {
		t.Fatalf("relayed %d messages to the inviter before the slot", n)
	}
	infos, err := p.store.Schedules(context.Background())
	if err != nil || len(infos) != 1 || infos[0].Pending != len(digestReplies) {
		t.Fatalf("schedules before the slot: %+v, %v; want %d replies pending on one", infos, err, len(digestReplies))
	}
	after := before.Add(time.Hour)
	return p, func() time.Time { return after }
}

func replyBody(n int) string { return fmt.Sprintf("Answer number %d from the gender caucus.", n) }

// startDigestInstance runs one daemon on its own store connection to dsn,
// relaying through relayAddr with EHLO host (the relay tells the
// instances apart by it), until ctx ends.
func startDigestInstance(ctx context.Context, t *testing.T, wg *sync.WaitGroup, p *pipeline, dsn, relayAddr, host string, now func() time.Time, opts queue.Options) {
	t.Helper()
	opts.DSN = dsn
	store, err := queue.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg := p.cfg
	cfg.Store, cfg.Now = store, now
	cfg.Relay = smtprelay.Config{URL: &url.URL{Scheme: "smtp", Host: relayAddr}, Hostname: host}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() {
		if err := g.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("instance %s: %v", host, err)
		}
	})
}

// testClock is a clock a test moves forward.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// heldRelay is an in-process SMTP relay that records what it accepts and
// by which client (its EHLO name). The first message to the inviter is
// held in DATA, its body read, until the test sends its answer on
// release (nil accepts it): the claimant's slow transaction.
type heldRelay struct {
	addr    string
	held    chan string // the EHLO name of the client whose DATA is held
	release chan error

	mu       sync.Mutex
	holding  bool
	accepted []relayed
}

type relayed struct {
	mailsim.Received
	client string
}

func startHeldRelay(t *testing.T) *heldRelay {
	t.Helper()
	r := &heldRelay{held: make(chan string, 1), release: make(chan error, 1)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &heldSession{relay: r, conn: c}, nil
	}))
	srv.Domain = "relay.example.org"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		select { // a held DATA still waiting is refused
		case r.release <- errors.New("relay closing"):
		default:
		}
		srv.Close()
		<-done
	})
	return r
}

// hold reports whether this message is the one to hold.
func (r *heldRelay) hold(to []string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.holding || len(to) != 1 || to[0] != digestInviter {
		return false
	}
	r.holding = true
	return true
}

func (r *heldRelay) accept(m relayed) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accepted = append(r.accepted, m)
}

func (r *heldRelay) acceptedTo(addr string) []relayed {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []relayed
	for _, m := range r.accepted {
		if len(m.To) == 1 && m.To[0] == addr {
			out = append(out, m)
		}
	}
	return out
}

// awaitHeld waits for the claimant's transaction and returns its client.
func (r *heldRelay) awaitHeld(t *testing.T) string {
	t.Helper()
	select {
	case host := <-r.held:
		return host
	case <-time.After(time.Minute):
		t.Fatal("no instance relayed the replies within a minute")
		return ""
	}
}

// awaitAccepted waits until n messages to the inviter were accepted.
func (r *heldRelay) awaitAccepted(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for len(r.acceptedTo(digestInviter)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the relay accepted %d messages to the inviter within a minute, want %d", len(r.acceptedTo(digestInviter)), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type heldSession struct {
	relay *heldRelay
	conn  *smtp.Conn
	from  string
	to    []string
}

func (s *heldSession) Reset()        { s.from, s.to = "", nil }
func (s *heldSession) Logout() error { return nil }

func (s *heldSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *heldSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *heldSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.relay.hold(s.to) {
		s.relay.held <- s.conn.Hostname()
		if err := <-s.relay.release; err != nil {
			return err
		}
	}
	s.relay.accept(relayed{Received: mailsim.Received{From: s.from, To: s.to, Data: data, At: time.Now()}, client: s.conn.Hostname()})
	return nil
}

func clientsOf(ms []relayed) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.client)
	}
	return out
}

// assertDigestOfReplies checks that data is a multipart/digest whose
// entries are the replies, each once: by its Message-ID and its text (the
// summary part before the entries quotes the texts too).
func assertDigestOfReplies(t *testing.T, data []byte, replies []struct {
	from string
	n    int
}) {
	t.Helper()
	entries := digestEntries(t, data)
	if len(entries) != len(replies) {
		t.Errorf("the digest holds %d messages, want %d", len(entries), len(replies))
	}
	ids, texts := map[string]int{}, ""
	for _, e := range entries {
		ids[e.messageID]++
		texts += e.body
	}
	for _, r := range replies {
		id := fmt.Sprintf("<reply-%d@example.net>", r.n)
		if ids[id] != 1 {
			t.Errorf("the digest holds reply %s %d times, want once", id, ids[id])
		}
		if n := strings.Count(texts, replyBody(r.n)); n != 1 {
			t.Errorf("the digest's entries hold the text of reply %d %d times, want once", r.n, n)
		}
	}
}

type digestEntry struct{ messageID, body string }

// digestEntries reads the message/rfc822 parts of a multipart/digest.
func digestEntries(t *testing.T, data []byte) []digestEntry {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/digest" {
		t.Fatalf("Content-Type %q (%v), want multipart/digest", msg.Header.Get("Content-Type"), err)
	}
	var entries []digestEntry
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return entries
		}
		if err != nil {
			t.Fatalf("read digest part: %v", err)
		}
		if ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct != "message/rfc822" {
			continue
		}
		inner, err := mail.ReadMessage(part)
		if err != nil {
			t.Fatalf("read digest entry: %v", err)
		}
		body, err := io.ReadAll(inner.Body)
		if err != nil {
			t.Fatalf("read digest entry: %v", err)
		}
		entries = append(entries, digestEntry{messageID: inner.Header.Get("Message-ID"), body: string(body)})
	}
}
