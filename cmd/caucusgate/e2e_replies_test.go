package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"caucusgate/gateway/digest"
	"caucusgate/internal/e2ehelp"
	"caucusgate/internal/mailstack"
	"caucusgate/queue"
)

// The replies half of the real-server suite (issue 5): a caucus's answers
// to a forwarded invitation, sent through Postfix to the copy's Reply-To,
// reach the inviter at the next slot of replies.schedule, as one digest,
// once; nothing reaches the inviter before the slot, whether run -once runs
// before it or the daemon is stopped before it and started after it.
//
// These tests wait for a real slot of a real clock: each takes up to
// replyRoom + replyInterval. The waits are what the schedule means, not
// speed assertions.

// replySpec is the reply schedule; its slots are the multiples of
// replyInterval, the same duration, counted from the Unix epoch.
const (
	replySpec     = "@every 1m"
	replyInterval = time.Minute
)

// replyRoom is the time that must remain before the next slot when the
// replies are sent: the steps the tests take before the slot (two run
// -once, or the daemon's intake and stop) took about a second here, so
// they fit in it many times over. With less left, the tests wait for the
// slot after.
const replyRoom = 20 * time.Second

// replyPastSlot is how far past the slot the tests run the gateway: the
// scheduler works in whole seconds.
const replyPastSlot = 1500 * time.Millisecond

const (
	replyInviter      = "chair@itu.int"
	replyCaucus       = "gender@example.org"
	replyInvitationID = "reply-inv-1@itu.int"
)

var replyRules = fmt.Sprintf(`
caucuses:
  - id: gender
    name: Gender Caucus
    address: %s
rules:
  - name: itu-invitations
    when: {from: "*@itu.int", subject: "(?i)invitation"}
    forward: [gender]
replies:
  schedule: %q
`, replyCaucus, replySpec)

// replyAnswer is one caucus member's reply: who sends it and the text that
// must arrive inside the digest.
type replyAnswer struct{ from, messageID, text string }

var replyAnswers = []replyAnswer{
	{"ana@gender-caucus.example.net", "answer-ana@gender-caucus.example.net", "Ana will attend the consultation (answer 1)."},
	{"bo@gender-caucus.example.net", "answer-bo@gender-caucus.example.net", "Bo sends written comments instead (answer 2)."},
}

// replyInvitation is the invitation from the inviter whose answers the
// tests relay.
func replyInvitation() []byte {
	return []byte("From: Forum Chair <" + replyInviter + ">\r\nTo: bureau@example.org\r\n" +
		"Subject: Invitation to the consultation on gender\r\nMessage-ID: <" + replyInvitationID + ">\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Dear bureau,\r\nyour caucuses are invited.\r\n")
}

// message writes the answer as its sender's mail client would, to the
// forwarded copy's Reply-To, threaded on the invitation.
func (a replyAnswer) message(to string) []byte {
	return []byte("From: " + a.from + "\r\nTo: " + to + "\r\n" +
		"Subject: Re: Invitation to the consultation on gender\r\nMessage-ID: <" + a.messageID + ">\r\n" +
		"In-Reply-To: <" + replyInvitationID + ">\r\nReferences: <" + replyInvitationID + ">\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		a.text + "\r\n")
}

// TestE2ERepliesRelayedAtTheSlot forwards an invitation with run -once,
// sends two caucus replies through Postfix to the copy's Reply-To, and
// runs run -once twice before the next slot: the replies wait for that
// slot and the inviter has nothing. After the slot, run -once relays them
// as one digest threaded on the invitation; a further run sends nothing.
func TestE2ERepliesRelayedAtTheSlot(t *testing.T) {
	mailstack.Required(t)
	eachStoreInParallel(t, repliesRelayedAtTheSlot)
}

func repliesRelayedAtTheSlot(t *testing.T, store string) {
	stack := e2ehelp.StartStack(t)
	stack.Append(t, e2ehelp.Bureau, "INBOX", replyInvitation())
	config := e2ehelp.WriteConfig(t, stack, store, replyRules)
	e2ehelp.RunOnce(t, config)
	replyTo := forwardedReplyTo(t, stack)

	slot := slotWithRoom(t)
	sendAnswers(t, stack, replyTo)
	e2ehelp.RunOnce(t, config)
	checkWaitingFor(t, store, slot)
	e2ehelp.RunOnce(t, config)
	stack.WaitPostfixIdle(t, fwdSettle)
	checkStillBefore(t, slot, "two run -once")
	checkInviterHas(t, stack, 0, "before the slot")

	sleepPast(slot)
	e2ehelp.RunOnce(t, config)
	checkDigest(t, stack.WaitMessages(t, replyInviter, 1, fwdSettle)[0], slot)
	checkSentAtSlot(t, store, slot)
	e2ehelp.RunOnce(t, config)
	stack.WaitPostfixIdle(t, fwdSettle)
	checkInviterHas(t, stack, 1, "after a further run")
}

// TestE2ERepliesCaughtUpAfterDowntime runs the daemon while the
// invitation is forwarded and the two replies arrive, stops it with
// SIGTERM before the slot, and starts it again after the slot: the
// catch-up relays the replies as one digest, once, and nothing reached the
// inviter before. (The name is short because mailstack's directory, and
// Dovecot's socket paths in it, are named after the test: a long name
// passes the 108-byte limit of a Unix socket path.)
func TestE2ERepliesCaughtUpAfterDowntime(t *testing.T) {
	mailstack.Required(t)
	eachStoreInParallel(t, repliesCaughtUpAfterDaemonDown)
}

func repliesCaughtUpAfterDaemonDown(t *testing.T, store string) {
	stack := e2ehelp.StartStack(t)
	stack.Append(t, e2ehelp.Bureau, "INBOX", replyInvitation())
	config := e2ehelp.WriteConfig(t, stack, store, replyRules)
	first := startReplyDaemon(t, config)
	replyTo := forwardedReplyTo(t, stack)

	slot := slotWithRoom(t)
	sendAnswers(t, stack, replyTo)
	waitWaiting(t, store, len(replyAnswers))
	checkWaitingFor(t, store, slot)
	first.stop(t)
	stack.WaitPostfixIdle(t, fwdSettle)
	checkStillBefore(t, slot, "the daemon's intake and stop")
	checkInviterHas(t, stack, 0, "before the slot")

	sleepPast(slot)
	second := startReplyDaemon(t, config)
	checkDigest(t, stack.WaitMessages(t, replyInviter, 1, fwdSettle)[0], slot)
	waitLastRun(t, store, slot)
	checkSentAtSlot(t, store, slot)
	second.stop(t)
	e2ehelp.RunOnce(t, config)
	stack.WaitPostfixIdle(t, fwdSettle)
	checkInviterHas(t, stack, 1, "after the catch-up and a further run")
}

// eachStoreInParallel runs test on SQLite and on PostgreSQL (the suite's
// stores), side by side: each has a stack and a store of its own, and
// most of their time is spent waiting for a slot.
func eachStoreInParallel(t *testing.T, test func(t *testing.T, store string)) {
	for _, backend := range e2eStores(t) {
		t.Run(backend.Name, func(t *testing.T) {
			t.Parallel()
			test(t, backend.DSN)
		})
	}
}

// forwardedReplyTo waits for the caucus's copy of the invitation and
// returns its Reply-To address, which must be the bureau's plus-address.
func forwardedReplyTo(t *testing.T, stack *mailstack.Stack) string {
	t.Helper()
	copies := stack.WaitMessages(t, replyCaucus, 1, fwdSettle)
	h := fwdParse(t, copies[0]).Header
	if id, _ := h.MessageID(); id != replyInvitationID {
		t.Fatalf("%s got Message-ID %q, want the invitation's %s", replyCaucus, id, replyInvitationID)
	}
	rt := h.Values("Reply-To")
	if len(rt) != 1 {
		t.Fatalf("the forwarded copy has Reply-To fields %q, want exactly one", rt)
	}
	fwdToken(t, "Reply-To", rt[0])
	addr, _ := mail.ParseAddress(rt[0]) // fwdToken parsed it already
	return addr.Address
}

// slotWithRoom returns the next slot of the reply schedule (a multiple of
// replyInterval from the Unix epoch) at least replyRoom away, waiting for
// the slot after when the next one is closer.
func slotWithRoom(t *testing.T) time.Time {
	t.Helper()
	now := time.Now()
	slot := nextSlot(now)
	if slot.Sub(now) < replyRoom {
		sleepPast(slot)
		slot = nextSlot(time.Now())
	}
	t.Logf("the replies wait for the slot at %s (%s from now)", slot.Format(time.RFC3339), time.Until(slot).Round(time.Second))
	return slot
}

// nextSlot is the first multiple of replyInterval from the Unix epoch
// strictly after now.
func nextSlot(now time.Time) time.Time {
	secs := int64(replyInterval / time.Second)
	return time.Unix((now.Unix()/secs+1)*secs, 0)
}

// sleepPast waits until the slot has passed, by replyPastSlot.
func sleepPast(slot time.Time) {
	time.Sleep(time.Until(slot.Add(replyPastSlot)))
}

// checkStillBefore fails when the steps meant to happen before the slot
// ended after it: the test would then prove nothing about "before".
func checkStillBefore(t *testing.T, slot time.Time, steps string) {
	t.Helper()
	if now := time.Now(); !now.Before(slot) {
		t.Fatalf("%s ended at %s, not before the slot at %s: the test cannot tell a relay before the slot from one at it (raise replyRoom)",
			steps, now.Format(time.RFC3339Nano), slot.Format(time.RFC3339))
	}
	t.Logf("%s ended %s before the slot", steps, time.Until(slot).Round(time.Millisecond))
}

// sendAnswers sends every answer through Postfix to the copy's Reply-To,
// and waits until Dovecot has stored them in the bureau's INBOX beside the
// invitation.
func sendAnswers(t *testing.T, stack *mailstack.Stack, replyTo string) {
	t.Helper()
	for _, a := range replyAnswers {
		stack.SendSMTP(t, a.from, []string{replyTo}, a.message(replyTo))
	}
	stack.WaitMessages(t, e2ehelp.Bureau, 1+len(replyAnswers), fwdSettle)
}

func checkInviterHas(t *testing.T, stack *mailstack.Stack, want int, when string) {
	t.Helper()
	if got := stack.Messages(t, replyInviter); len(got) != want {
		t.Fatalf("%s: the inviter holds %d messages, want %d:\n%s", when, len(got), want, subjects(got))
	}
}

func subjects(msgs [][]byte) string {
	var b strings.Builder
	for _, m := range msgs {
		if msg, err := mail.ReadMessage(bytes.NewReader(m)); err == nil {
			fmt.Fprintf(&b, "  %q (Message-ID %s)\n", msg.Header.Get("Subject"), msg.Header.Get("Message-Id"))
		}
	}
	return b.String()
}

// withStore opens the store the binary uses, as its CLI commands do
// (beside a running daemon), for one look.
func withStore(t *testing.T, dsn string, look func(context.Context, *queue.Store) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := queue.Open(ctx, queue.Options{DSN: dsn})
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	defer st.Close()
	if err := look(ctx, st); err != nil {
		t.Fatal(err)
	}
}

// waitingItems lists the items still waiting for a slot.
func waitingItems(t *testing.T, dsn string) []queue.PendingItem {
	t.Helper()
	var items []queue.PendingItem
	withStore(t, dsn, func(ctx context.Context, st *queue.Store) (err error) {
		items, err = st.ListPending(ctx, queue.PendingFilter{States: []queue.PendingState{queue.PendingWaiting}})
		return err
	})
	return items
}

// checkWaitingFor checks that both replies were taken in and wait for the
// slot: the "nothing before the slot" checks after it would otherwise pass
// for a gateway that never saw them.
func checkWaitingFor(t *testing.T, dsn string, slot time.Time) {
	t.Helper()
	items := waitingItems(t, dsn)
	if len(items) != len(replyAnswers) {
		t.Fatalf("%d items wait for a slot, want the %d replies: %+v", len(items), len(replyAnswers), items)
	}
	for _, it := range items {
		if it.Kind != queue.KindReply || it.Destination != replyInviter || it.Caucus != "gender" || !it.DueSlot.Equal(slot) {
			t.Errorf("pending item %+v, want a reply of caucus gender to %s due at %s", it, replyInviter, slot.Format(time.RFC3339))
		}
	}
}

// waitWaiting waits until the running daemon has taken in n replies.
func waitWaiting(t *testing.T, dsn string, n int) {
	t.Helper()
	deadline := time.Now().Add(fwdSettle)
	for len(waitingItems(t, dsn)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon took in fewer than %d replies within %s", n, fwdSettle)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLastRun waits until the store records the slot as the schedule's
// last run, so that the daemon finished its catch-up pass (and would have
// repeated the relay, if it did, before it is stopped).
func waitLastRun(t *testing.T, dsn string, slot time.Time) {
	t.Helper()
	deadline := time.Now().Add(fwdSettle)
	for {
		last := lastRun(t, dsn, replySpec)
		if !last.Before(slot) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedule %q: last run %v, still before the slot %v after %s", replySpec, last, slot, fwdSettle)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func lastRun(t *testing.T, dsn, spec string) time.Time {
	t.Helper()
	var last time.Time
	withStore(t, dsn, func(ctx context.Context, st *queue.Store) (err error) {
		last, _, err = st.LastRun(ctx, spec)
		return err
	})
	return last
}

// checkSentAtSlot checks that the replies went in the batch of the slot
// they waited for, recorded as sent: a gateway that skipped the missed
// slot and sent them at the one after would deliver the same mail, a slot
// late.
func checkSentAtSlot(t *testing.T, dsn string, slot time.Time) {
	t.Helper()
	key := queue.BatchKey{Schedule: replySpec, Slot: slot, Destination: replyInviter}
	var b queue.Batch
	withStore(t, dsn, func(ctx context.Context, st *queue.Store) (err error) {
		b, err = st.GetBatch(ctx, key)
		return err
	})
	if b.State != queue.BatchSent || len(b.Items) != len(replyAnswers) {
		t.Errorf("the batch of slot %s is %s with %d items, want sent with the %d replies", slot.Format(time.RFC3339), b.State, len(b.Items), len(replyAnswers))
	}
}

// checkDigest checks what the inviter received: one multipart/digest
// (RFC 2046 5.1.5) of the slot, threaded on the invitation, holding each
// answer once, intact, as a message/rfc822 part.
func checkDigest(t *testing.T, raw []byte, slot time.Time) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the inviter's message does not parse: %v\n%s", err, raw)
	}
	mt, _, err := mime.ParseMediaType(e.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/digest" {
		t.Fatalf("Content-Type %q (%v), want multipart/digest:\n%s", e.Header.Get("Content-Type"), err, raw)
	}
	h := gomail.Header{Header: e.Header}
	for _, field := range []string{"In-Reply-To", "References"} {
		if ids, err := h.MsgIDList(field); err != nil || !slices.Equal(ids, []string{replyInvitationID}) {
			t.Errorf("%s = %q (%v), want the invitation's <%s>", field, h.Get(field), err, replyInvitationID)
		}
	}
	if want := digest.MessageID(replySpec, slot, replyInviter, e2ehelp.Bureau); h.Get("Message-Id") != want {
		t.Errorf("Message-ID %q, want %s, fixed by (schedule, slot %s, inviter)", h.Get("Message-Id"), want, slot.Format(time.RFC3339))
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != replyInviter {
		t.Errorf("To = %q (%v), want the inviter %s", h.Get("To"), err, replyInviter)
	}
	checkAnswersInside(t, digestMessages(t, e))
}

// digestMessages returns the message/rfc822 parts of a digest, the type
// its parts have when they say none (RFC 2046 5.1.5).
func digestMessages(t *testing.T, e *message.Entity) []*mail.Message {
	t.Helper()
	mr := e.MultipartReader()
	if mr == nil {
		t.Fatal("the digest has no parts")
	}
	var msgs []*mail.Message
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return msgs
		}
		if err != nil {
			t.Fatalf("read the digest's parts: %v", err)
		}
		if mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); mt != "" && mt != "message/rfc822" {
			continue
		}
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatalf("read a digest part: %v", err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("a message/rfc822 part of the digest does not parse: %v\n%s", err, body)
		}
		msgs = append(msgs, m)
	}
}

// checkAnswersInside checks that the digest's messages are the answers,
// each once, with their text.
func checkAnswersInside(t *testing.T, msgs []*mail.Message) {
	t.Helper()
	got := map[string]string{}
	for _, m := range msgs {
		id := strings.Trim(m.Header.Get("Message-Id"), "<> ")
		if _, dup := got[id]; dup {
			t.Errorf("answer %s is in the digest twice", id)
		}
		body, _ := io.ReadAll(m.Body)
		got[id] = string(body)
	}
	if len(msgs) != len(replyAnswers) {
		t.Errorf("the digest holds %d messages, want the %d answers", len(msgs), len(replyAnswers))
	}
	for _, a := range replyAnswers {
		body, ok := got[a.messageID]
		if !ok {
			t.Errorf("answer %s (from %s) is not in the digest", a.messageID, a.from)
			continue
		}
		if !strings.Contains(body, a.text) {
			t.Errorf("answer %s in the digest lost its text %q:\n%s", a.messageID, a.text, body)
		}
	}
}

// replyDaemon is a running `caucusgate run`.
type replyDaemon struct {
	cmd     *exec.Cmd
	out     *bytes.Buffer
	stopped bool
}

// startReplyDaemon starts the daemon; it is stopped when the test ends
// if the test did not stop it, and its output shown if the test failed.
func startReplyDaemon(t *testing.T, config string) *replyDaemon {
	t.Helper()
	d := &replyDaemon{cmd: e2ehelp.Command(t, "run", "-config", config), out: &bytes.Buffer{}}
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start the daemon: %v", err)
	}
	t.Cleanup(func() {
		if !d.stopped {
			_ = d.cmd.Process.Signal(syscall.SIGTERM)
			_ = d.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("daemon output:\n%s", e2ehelp.Tail(d.out.String(), 60))
		}
	})
	return d
}

// stop sends SIGTERM and waits: the daemon must stop cleanly, with status 0.
func (d *replyDaemon) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal the daemon: %v", err)
	}
	err := d.cmd.Wait()
	d.stopped = true
	if err != nil {
		t.Fatalf("the daemon did not stop cleanly on SIGTERM: %v\n%s", err, e2ehelp.Tail(d.out.String(), 40))
	}
}
