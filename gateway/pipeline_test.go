package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"caucusgate/gateway/imapwatch"
	"caucusgate/gateway/mailsim"
	"caucusgate/gateway/smtprelay"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
	"caucusgate/rules"
)

const testRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: caucus-gender@lists.example.net
    tags: [gender]
  - id: education
    name: Education Caucus
    address: caucus-education@lists.example.net
    tags: [education]
bureau:
  members: [alice@bureau.example.org]
rules:
  - name: itu-invitations
    when: {from: "*@itu.int", subject: "(?i)invitation|consultation"}
    forward: [gender, education]
  - name: unesco
    when: {from: "*@unesco.org"}
    forward: [education]
`

// pipeline is a gateway wired to in-process IMAP and SMTP servers and a
// store of the backend under test.
type pipeline struct {
	t     *testing.T
	world *mailsim.World
	store *queue.Store
	cfg   Config
}

func newPipeline(t *testing.T, dsn string, worldOpts mailsim.Options) *pipeline {
	t.Helper()
	worldOpts.Users = append(worldOpts.Users, "bureau@example.org")
	world, err := mailsim.Start(worldOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { world.Close() })
	store, err := queue.Open(context.Background(), queue.Options{DSN: dsn, Retry: queue.BackoffPolicy{First: 10 * time.Millisecond, Base: 20 * time.Millisecond, Cap: 50 * time.Millisecond, Horizon: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	set, diags := rules.Parse("rules.yaml", []byte(testRules))
	if diags.HasErrors() {
		t.Fatalf("rules: %v", diags)
	}
	return &pipeline{t: t, world: world, store: store, cfg: Config{
		Store: store,
		Rules: NewRulesHolder(set),
		Accounts: []Account{{
			Name: "bureau", Address: "bureau@example.org", Mailboxes: []string{"INBOX"},
			Watch: imapwatch.Config{
				URL:      &url.URL{Scheme: "imap", Host: world.IMAPAddr},
				Username: "bureau@example.org", Password: mailsim.Password,
				Start: imapwatch.Start{Mode: imapwatch.StartAll},
			},
		}},
		Relay:  smtprelay.Config{URL: &url.URL{Scheme: "smtp", Host: world.SMTPAddr}, Hostname: "gw.example.org"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}}
}

func (p *pipeline) runOnce() Summary {
	p.t.Helper()
	g, err := New(p.cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := g.RunOnce(ctx)
	if err != nil {
		p.t.Fatalf("run once: %v", err)
	}
	return s
}

func invitation(i int, from, subject string) []byte {
	return []byte(fmt.Sprintf("From: Sender %d <%s>\r\nTo: bureau@example.org\r\nSubject: %s\r\n"+
		"Message-ID: <inv-%d@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nDear bureau,\r\nyou are invited (%d).\r\n", i, from, subject, i, i))
}

func forEachBackend(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, b := range queuetest.DSNs(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.DSN) })
	}
}

func TestPipelineForwardsEachMessageOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		p := newPipeline(t, dsn, mailsim.Options{})
		const n = 20
		for i := range n {
			if err := p.world.Append("bureau@example.org", "INBOX", invitation(i, "events@itu.int", "Invitation to consultation")); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.world.Append("bureau@example.org", "INBOX", invitation(99, "someone@elsewhere.org", "Hello")); err != nil {
			t.Fatal(err)
		}
		s := p.runOnce()
		if s.Delivered != 2*n || s.Failed != 0 {
			t.Fatalf("first run: %+v, want %d delivered", s, 2*n)
		}
		got := p.world.Received()
		assertOneCopyEach(t, got, n)
		if s := p.runOnce(); s.Delivered != 0 {
			t.Fatalf("second run delivered %d, want 0", s.Delivered)
		}
		if len(p.world.Received()) != len(got) {
			t.Fatalf("second run sent %d more", len(p.world.Received())-len(got))
		}
		assertNoSeen(t, p.world)
	})
}

func assertOneCopyEach(t *testing.T, got []mailsim.Received, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range got {
		h := readHeader(t, r.Data)
		id, _ := h.MessageID()
		listID := h.Get("List-Id")
		seen[strings.Join(r.To, ",")+" "+id]++
		if h.Get("X-Loop") != "bureau@example.org" {
			t.Errorf("X-Loop = %q", h.Get("X-Loop"))
		}
		if !strings.Contains(listID, ".caucus.example.org>") {
			t.Errorf("List-Id = %q", listID)
		}
		if !strings.HasPrefix(r.From, "bureau+") || !strings.HasSuffix(r.From, "@example.org") {
			t.Errorf("envelope sender %q: want a VERP address bureau+TOKEN@example.org", r.From)
		}
		if rt := h.Get("Reply-To"); !strings.HasPrefix(rt, "<bureau+") && !strings.HasPrefix(rt, "bureau+") {
			t.Errorf("Reply-To %q: want the plus-address token of the account", rt)
		}
	}
	for i := range n {
		for _, to := range []string{"caucus-gender@lists.example.net", "caucus-education@lists.example.net"} {
			if c := seen[fmt.Sprintf("%s inv-%d@example.com", to, i)]; c != 1 {
				t.Errorf("message %d to %s: %d copies, want 1", i, to, c)
			}
		}
	}
	if len(got) != 2*n {
		t.Errorf("%d messages sent, want %d", len(got), 2*n)
	}
}

func readHeader(t *testing.T, data []byte) mail.Header {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse forwarded copy: %v", err)
	}
	return r.Header
}

// assertNoSeen checks that the gateway read the bureau's mail without
// marking it read: the bureau's people still see it as new.
func assertNoSeen(t *testing.T, world *mailsim.World) {
	t.Helper()
	c, err := imapclient.DialInsecure(world.IMAPAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("bureau@example.org", mailsim.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		for _, f := range m.Flags {
			if f == imap.FlagSeen {
				t.Errorf("message %d got \\Seen", m.SeqNum)
			}
		}
	}
}

func TestPipelineRetriesTemporaryAndFailsPermanentOnly(t *testing.T) {
	var attempts = map[string]int{}
	var mu sync.Mutex
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{Reject: func(from, to string) error {
		mu.Lock()
		defer mu.Unlock()
		attempts[to]++
		switch {
		case to == "caucus-education@lists.example.net" && attempts[to] == 1:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		case to == "caucus-gender@lists.example.net":
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such list"}
		}
		return nil
	}})
	p.cfg.Notify = "admins@example.org"
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := g.RunOnce(ctx)
	if err == nil || !strings.Contains(err.Error(), "failed permanently") {
		t.Fatalf("run once: err = %v, want a permanent failure reported", err)
	}
	if s.Failed != 1 || s.Delivered != 2 {
		t.Fatalf("summary %+v: want 1 failed (550), 1 delivered after a retry, and the alert", s)
	}
	got := p.world.Received()
	if len(got) != 2 || got[0].To[0] != "caucus-education@lists.example.net" && got[1].To[0] != "caucus-education@lists.example.net" {
		t.Fatalf("received %+v, want the education copy and the admins' alert", got)
	}
	alerts := relayedTo(p, "admins@example.org")
	if len(alerts) != 1 || !strings.Contains(string(alerts[0].Data), "caucus-gender@lists.example.net") {
		t.Fatalf("admins got %d alerts, want one naming the failed recipient", len(alerts))
	}
	mu.Lock()
	defer mu.Unlock()
	if attempts["caucus-education@lists.example.net"] != 2 {
		t.Errorf("education attempts %d, want 2 (451 then 250)", attempts["caucus-education@lists.example.net"])
	}
	if attempts["caucus-gender@lists.example.net"] != 1 {
		t.Errorf("gender attempts %d, want 1: a 550 is final", attempts["caucus-gender@lists.example.net"])
	}
}

func TestPipelineTagRoutesAndNoticesUnknownName(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	raw := "From: Alice <alice@bureau.example.org>\r\nTo: bureau@example.org\r\n" +
		"Subject: Fwd: [caucus: gender, educaton] Regional consultation\r\nMessage-ID: <tagged@bureau.example.org>\r\n\r\nPlease look.\r\n"
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(raw)); err != nil {
		t.Fatal(err)
	}
	if s := p.runOnce(); s.Delivered != 2 {
		t.Fatalf("summary %+v: want the gender copy and one notice", s)
	}
	var copy, notice *mailsim.Received
	for _, r := range p.world.Received() {
		switch r.To[0] {
		case "caucus-gender@lists.example.net":
			copy = &r
		case "alice@bureau.example.org":
			notice = &r
		default:
			t.Errorf("unexpected delivery to %v", r.To)
		}
	}
	if copy == nil || notice == nil {
		t.Fatalf("copy %v, notice %v", copy != nil, notice != nil)
	}
	ch := readHeader(t, copy.Data)
	if subject, _ := ch.Subject(); subject != "Fwd: Regional consultation" {
		t.Errorf("forwarded subject %q: the tag must be removed", subject)
	}
	nh := readHeader(t, notice.Data)
	if nh.Get("Auto-Submitted") != "auto-replied" || notice.From != "" {
		t.Errorf("notice: Auto-Submitted %q, envelope sender %q; want auto-replied and null", nh.Get("Auto-Submitted"), notice.From)
	}
	if !bytes.Contains(notice.Data, []byte("educaton")) || !bytes.Contains(notice.Data, []byte("education")) {
		t.Errorf("notice does not name the unknown name and its closest match:\n%s", notice.Data)
	}
}

// TestRunStopsCleanly runs the daemon, lets it deliver, and stops it as
// SIGTERM does (its context ends): Run returns without error, and a later
// run finds nothing left to do.
func TestRunStopsCleanly(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.cfg.Accounts[0].Watch.IDLE = true
	var logs syncBuffer
	p.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for len(p.world.Received()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after stop: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after its context ended")
	}
	if n := len(p.world.Received()); n != 2 {
		t.Fatalf("%d copies delivered, want 2", n)
	}
	if s := p.runOnce(); s.Delivered != 0 {
		t.Fatalf("a run after the stop delivered %d more", s.Delivered)
	}
	// One log line per decision and per delivery attempt, with Message-ID and caucus.
	for _, want := range []string{
		`msg=decision account=bureau mailbox=INBOX uid=1 message_id=inv-1@example.com decision=forward caucuses="[education gender]"`,
		`msg=delivered delivery=1 message_id=inv-1@example.com caucus=`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the daemon's goroutines to log into.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRosterWithoutVERP: with forwarding.verp false, a roster gets one
// transaction for all its members; a member the relay refuses for now is
// retried alone, and the others get no second copy.
func TestRosterWithoutVERP(t *testing.T) {
	var mu sync.Mutex
	refused := 0
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{Reject: func(_, to string) error {
		mu.Lock()
		defer mu.Unlock()
		if to == "bo@example.net" && refused == 0 {
			refused++
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"}
		}
		return nil
	}})
	p.setRules(t, `caucuses:
  - {id: education, name: Education Caucus, members: [ana@example.net, bo@example.net, cy@example.net]}
forwarding:
  verp: false
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [education]
`)
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	got := p.world.Received()
	if len(got) != 2 || len(got[0].To) != 2 || got[0].From != "bureau@example.org" {
		t.Fatalf("transactions %+v: want one to ana and cy from the account itself, then bo's retry", got)
	}
	if len(got[1].To) != 1 || got[1].To[0] != "bo@example.net" {
		t.Fatalf("retry went to %v, want bo alone", got[1].To)
	}
}

// TestRetentionPurgesRawButKeepsTheRecord: past the retention period the
// raw bytes go, and the message is still never forwarded twice.
func TestRetentionPurgesRawButKeepsTheRecord(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	p.cfg.Retention = time.Nanosecond
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	g.purge(ctx)
	msgs, err := p.store.ListMessages(ctx, queue.MessageFilter{})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages %v %v", msgs, err)
	}
	if _, err := p.store.MessageRaw(ctx, msgs[0].ID); !errors.Is(err, queue.ErrRawPurged) {
		t.Fatalf("raw after retention: %v, want ErrRawPurged", err)
	}
	if s := p.runOnce(); s.Delivered != 0 {
		t.Fatalf("a run after the purge delivered %d", s.Delivered)
	}
}

// txtRecords answers DMARC lookups from a table.
type txtRecords map[string]string

func (r txtRecords) LookupTXT(_ context.Context, name string) ([]string, error) {
	if v, ok := r[name]; ok {
		return []string{v}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// TestFromRewriteDMARC: with from_rewrite: dmarc, only senders whose domain
// publishes quarantine or reject get their From rewritten. from_rewrite
// applies to roster copies only (a list copy is always From the account:
// TestListCopyAddressedToTheList), so education is a roster here.
func TestFromRewriteDMARC(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	roster := strings.Replace(testRules, "address: caucus-education@lists.example.net", "members: [ed@lists.example.net]", 1)
	p.setRules(t, strings.Replace(roster, "rules:\n", "forwarding:\n  from_rewrite: dmarc\nrules:\n", 1))
	p.cfg.Resolver = txtRecords{"_dmarc.itu.int": "v=DMARC1; p=reject", "_dmarc.unesco.org": "v=DMARC1; p=none"}
	for i, from := range []string{"events@itu.int", "ed@unesco.org"} {
		if err := p.world.Append("bureau@example.org", "INBOX", invitation(i, from, "Invitation")); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	copies := relayedTo(p, "ed@lists.example.net")
	if len(copies) != 2 {
		t.Fatalf("education got %d copies, want 2", len(copies))
	}
	for _, r := range copies {
		h := readHeader(t, r.Data)
		from := h.Get("From")
		switch id, _ := h.MessageID(); id {
		case "inv-0@example.com":
			if !strings.Contains(from, "bureau@example.org") {
				t.Errorf("p=reject sender's From kept: %q", from)
			}
		case "inv-1@example.com":
			if !strings.Contains(from, "ed@unesco.org") {
				t.Errorf("p=none sender's From rewritten: %q", from)
			}
		}
	}
}

// TestUnforwardableMessageIsHeld: a header no copy can carry (a line over
// 998 bytes with nowhere to fold) is held with the reason, never dropped
// nor forwarded.
func TestUnforwardableMessageIsHeld(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	raw := "From: events@itu.int\r\nSubject: Invitation\r\nMessage-ID: <long@itu.int>\r\nX-Token: " +
		strings.Repeat("x", 2000) + "\r\n\r\nbody\r\n"
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(raw)); err != nil {
		t.Fatal(err)
	}
	s := p.runOnce()
	if s.Decisions["hold"] != 1 || len(p.world.Received()) != 0 {
		t.Fatalf("decisions %v, sent %d: want it held and nothing sent", s.Decisions, len(p.world.Received()))
	}
	msgs, err := p.store.ListMessages(context.Background(), queue.MessageFilter{})
	if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0].Reason, "too malformed to forward") {
		t.Fatalf("stored %+v %v", msgs, err)
	}
}
