package gateway

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
	"caucusgate/rules"
)

// forwardedReplyTo forwards one invitation and returns the Reply-To address
// of the copy the gender list got.
func forwardedReplyTo(t *testing.T, p *pipeline) string {
	t.Helper()
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(7, "events@itu.int", "Invitation to the forum")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	for _, r := range p.world.Received() {
		if r.To[0] == "caucus-gender@lists.example.net" {
			h := readHeader(t, r.Data)
			list, err := h.AddressList("Reply-To")
			if err != nil || len(list) != 1 {
				t.Fatalf("Reply-To of the copy: %v %v", list, err)
			}
			return list[0].Address
		}
	}
	t.Fatal("the invitation was not forwarded to the gender list")
	return ""
}

func reply(from, to, body string, n int) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: Invitation to the forum\r\nMessage-ID: <reply-%d@example.net>\r\n"+
		"In-Reply-To: <inv-7@example.com>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", from, to, n, body))
}

func relayedTo(p *pipeline, addr string) []mailsim.Received {
	var out []mailsim.Received
	for _, r := range p.world.Received() {
		if r.To[0] == addr {
			out = append(out, r)
		}
	}
	return out
}

func TestReplyRelayedToInviterImmediately(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	replyTo := forwardedReplyTo(t, p)
	if !strings.HasPrefix(replyTo, "bureau+") {
		t.Fatalf("Reply-To %q is not the account's plus-address", replyTo)
	}
	if err := p.world.Append("bureau@example.org", "INBOX", reply("Gina <gina@gender.example.net>", replyTo, "We will attend.", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	got := relayedTo(p, "events@itu.int")
	if len(got) != 1 {
		t.Fatalf("the inviter got %d messages, want the reply once", len(got))
	}
	h := readHeader(t, got[0].Data)
	if irt := h.Get("In-Reply-To"); irt != "<inv-7@example.com>" {
		t.Errorf("In-Reply-To %q, want the invitation's Message-ID", irt)
	}
	// The inviter's answer goes back through the gateway to the caucus
	// (TestInviterAnswersARelayedReply), never to the list's address.
	if rt := h.Get("Reply-To"); !strings.HasPrefix(rt, "<bureau+") || strings.Contains(rt, "lists.example.net") {
		t.Errorf("Reply-To %q, want the account's answer token", rt)
	}
	if h.Get("List-Id") != "" || h.Get("Precedence") != "" {
		t.Errorf("a relayed reply carries List-Id %q / Precedence %q", h.Get("List-Id"), h.Get("Precedence"))
	}
	if !strings.Contains(string(got[0].Data), "We will attend.") {
		t.Errorf("relayed reply lacks the answer:\n%s", got[0].Data)
	}
	p.runOnce()
	if n := len(relayedTo(p, "events@itu.int")); n != 1 {
		t.Fatalf("after a second run the inviter has %d messages, want 1", n)
	}
}

// TestRepliesWaitForTheSlotAndCatchUpOnce runs with an injected clock: two
// replies arrive before the slot; a run before it relays nothing; the next
// run comes hours after several missed slots and sends ONE digest.
func TestRepliesWaitForTheSlotAndCatchUpOnce(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, strings.Replace(testRules, "rules:\n", "replies:\n  schedule: \"@every 1h\"\nrules:\n", 1))
	clock := time.Date(2026, 11, 24, 9, 10, 0, 0, time.UTC)
	p.cfg.Now = func() time.Time { return clock }
	replyTo := forwardedReplyTo(t, p)
	for i, from := range []string{"gina@gender.example.net", "gabi@gender.example.net"} {
		if err := p.world.Append("bureau@example.org", "INBOX", reply(from, replyTo, "Answer "+from, i)); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	if n := len(relayedTo(p, "events@itu.int")); n != 0 {
		t.Fatalf("relayed %d before the slot", n)
	}
	clock = clock.Add(5 * time.Hour) // down through four slots
	p.runOnce()
	got := relayedTo(p, "events@itu.int")
	if len(got) != 1 {
		t.Fatalf("after catch-up the inviter got %d messages, want one digest", len(got))
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got[0].Data)))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/digest") {
		t.Errorf("Content-Type %q, want multipart/digest", ct)
	}
	clock = clock.Add(3 * time.Hour)
	p.runOnce()
	if n := len(relayedTo(p, "events@itu.int")); n != 1 {
		t.Fatalf("later runs relayed again: %d messages", n)
	}
}

func TestInvitersOwnReminderIsNotRelayedBack(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	forwardedReplyTo(t, p)
	// The inviter writes again in the same thread, to the bureau.
	if err := p.world.Append("bureau@example.org", "INBOX", reply("events@itu.int", "bureau@example.org", "Reminder", 9)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "events@itu.int")); n != 0 {
		t.Fatalf("the inviter's reminder was relayed back to them %d times", n)
	}
}

func (p *pipeline) setRules(t *testing.T, src string) {
	t.Helper()
	set, diags := rules.Parse("rules.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("rules: %v", diags)
	}
	p.cfg.Rules = NewRulesHolder(set)
}

// TestCircuitBreakerHoldsARelayLoop: replies about one invitation beyond
// forwarding.loop_limit are held, and the admins are told, once per reply.
func TestCircuitBreakerHoldsARelayLoop(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, strings.Replace(testRules, "rules:\n", "forwarding:\n  loop_limit: {relays: 2, window: 60m}\nrules:\n", 1))
	p.cfg.Notify = "admins@example.org"
	replyTo := forwardedReplyTo(t, p)
	for i := range 3 {
		if err := p.world.Append("bureau@example.org", "INBOX", reply("Gina <gina@gender.example.net>", replyTo, fmt.Sprintf("Answer %d", i), 20+i)); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	relayed := relayedTo(p, "events@itu.int")
	if len(relayed) != 1 {
		t.Fatalf("the inviter got %d messages, want one digest of the 2 replies the limit allows", len(relayed))
	}
	body := string(relayed[0].Data)
	if !strings.Contains(body, "Answer 0") || !strings.Contains(body, "Answer 1") || strings.Contains(body, "Answer 2") {
		t.Errorf("the digest should hold answers 0 and 1, not 2:\n%s", body)
	}
	alerts := relayedTo(p, "admins@example.org")
	if len(alerts) != 1 || !strings.Contains(strings.ToLower(string(alerts[0].Data)), "circuit breaker tripped") {
		t.Fatalf("admins got %d alerts, want one about the breaker", len(alerts))
	}
}

// TestScheduledForwardWaitsForItsSlot: a caucus on a weekly schedule gets
// its invitations at the slot, not before; run -once does not force it.
func TestScheduledForwardWaitsForItsSlot(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, strings.Replace(testRules, "    address: caucus-education@lists.example.net\n",
		"    address: caucus-education@lists.example.net\n    schedule: \"@every 168h\"\n", 1))
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "caucus-education@lists.example.net")); n != 0 {
		t.Fatalf("the weekly caucus got %d copies before its slot", n)
	}
	if n := len(relayedTo(p, "caucus-gender@lists.example.net")); n != 1 {
		t.Fatalf("the immediate caucus got %d copies, want 1", n)
	}
	list, err := p.store.ListDeliveries(context.Background(), queue.DeliveryFilter{States: []queue.DeliveryState{queue.StatePending}})
	if err != nil || len(list) != 1 || list[0].Caucus != "education" || list[0].NextAttempt.Before(time.Now().Add(time.Hour)) {
		t.Fatalf("pending: %+v %v; want the education copy waiting for its slot", list, err)
	}
}

// TestUnsubscribeByMailAndOneClick: a roster member's "unsubscribe
// education" mail takes them off the roster; the next invitation reaches
// only the others, and a roster copy carries List-Unsubscribe.
func TestUnsubscribeByMail(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, `caucuses:
  - {id: education, name: Education Caucus, members: [ana@example.net, bo@example.net]}
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [education]
`)
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "First")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	copies := relayedTo(p, "ana@example.net")
	if len(copies) != 1 {
		t.Fatalf("ana got %d copies", len(copies))
	}
	h := readHeader(t, copies[0].Data)
	if lu := h.Get("List-Unsubscribe"); !strings.Contains(lu, "mailto:bureau@example.org?subject=unsubscribe%20education") {
		t.Fatalf("List-Unsubscribe %q", lu)
	}
	req := "From: Ana <ana@example.net>\r\nTo: bureau@example.org\r\nSubject: unsubscribe education\r\nMessage-ID: <u1@example.net>\r\n\r\n\r\n"
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(req)); err != nil {
		t.Fatal(err)
	}
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(2, "events@itu.int", "Second")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "ana@example.net")); n != 1 {
		t.Errorf("ana got %d copies after unsubscribing, want still 1", n)
	}
	if n := len(relayedTo(p, "bo@example.net")); n != 2 {
		t.Errorf("bo got %d copies, want 2", n)
	}
}

// TestReplyScheduleOverriddenByCaucus: a caucus's reply_schedule wins over
// replies.schedule.
func TestReplyScheduleOverriddenByCaucus(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	src := strings.Replace(testRules, "    tags: [gender]\n", "    tags: [gender]\n    reply_schedule: \"@every 168h\"\n", 1)
	p.setRules(t, strings.Replace(src, "rules:\n", "replies:\n  schedule: immediate\nrules:\n", 1))
	replyTo := forwardedReplyTo(t, p)
	if err := p.world.Append("bureau@example.org", "INBOX", reply("gina@gender.example.net", replyTo, "Later", 40)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(relayedTo(p, "events@itu.int")); n != 0 {
		t.Fatalf("relayed %d replies at once; the caucus's weekly reply_schedule should hold them", n)
	}
	items, err := p.store.ListPending(context.Background(), queue.PendingFilter{})
	if err != nil || len(items) != 1 || items[0].Schedule != "@every 168h" {
		t.Fatalf("pending %+v %v", items, err)
	}
}
