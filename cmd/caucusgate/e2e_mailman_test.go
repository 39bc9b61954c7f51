package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"

	"caucusgate/internal/e2ehelp"
	"caucusgate/internal/mailstack"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// The caucus-list half of the real-server suite (issue 10): the gender
// caucus is a real Mailman 3 list (Debian's mailman3 core, its LMTP behind
// the harness's Postfix), set up as the README asks: Reply-To kept, no
// list prefix, the bureau subscribed so that its copies come back. The
// round trips run through it: the invitation's copy distributed and coming
// back (never forwarded again, the delivery marked distributed); answers,
// one a reply-all that also goes to the list, relayed once in one digest;
// the inviter's answer to that digest reaching the list's members.

const (
	mmInviter    = "chair@itu.int"
	mmInvitation = "mm-inv-1@itu.int"
	mmAna        = "ana@example.org"
	mmBo         = "bo@example.org"
)

// mmSettle bounds how long a message may take through Postfix, the
// Mailman core (a Python runner per step) and Postfix again: a failure
// budget, not a speed assertion.
const mmSettle = 3 * time.Minute

func mmRules(list string) string {
	return fmt.Sprintf(`
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
`, list, replySpec)
}

func mmInvitationMail() []byte {
	return []byte("From: Forum Chair <" + mmInviter + ">\r\nTo: bureau@example.org\r\n" +
		"Subject: Invitation to the consultation on gender\r\nMessage-ID: <" + mmInvitation + ">\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Dear bureau,\r\nyour caucuses are invited.\r\n")
}

// mmAnswer is a member's answer to the copy: To its Reply-To, and Cc the
// list when it is a reply-all (the copy is To the list).
func mmAnswer(from, id, to, cc, text string) []byte {
	var ccLine string
	if cc != "" {
		ccLine = "Cc: " + cc + "\r\n"
	}
	return []byte("From: " + from + "\r\nTo: " + to + "\r\n" + ccLine +
		"Subject: Re: Invitation to the consultation on gender\r\nMessage-ID: <" + id + ">\r\n" +
		"In-Reply-To: <" + mmInvitation + ">\r\nReferences: <" + mmInvitation + ">\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		text + "\r\n")
}

// TestE2EMailmanListRoundTrips runs the round trips through a real Mailman
// 3 list, in order, on one stack (the core takes a minute to start).
func TestE2EMailmanListRoundTrips(t *testing.T) {
	stack, mm := mailstack.StartWithMailman(t, mailstack.Options{Users: []string{e2ehelp.Bureau}})
	list := mm.CreateList(t, "gender", mailstack.ListSettings())
	for _, member := range []string{mmAna, mmBo, e2ehelp.Bureau} {
		mm.Subscribe(t, list, member)
	}
	store := queuetest.SQLite(t)
	config := e2ehelp.WriteConfig(t, stack, store, mmRules(list))

	replyTo := mmCopyDistributed(t, stack, mm, store, config, list)
	mmDigestRoundTrip(t, stack, mm, config, list, replyTo)
}

// mmCopyDistributed forwards the invitation to the list: each member gets
// the copy with the list's List-Id and our Reply-To kept, nothing is held,
// and the bureau's own copy, back through the list, is never forwarded
// again and marks the delivery distributed. It returns the copy's
// Reply-To.
func mmCopyDistributed(t *testing.T, stack *mailstack.Stack, mm *mailstack.Mailman, store, config, list string) string {
	stack.Append(t, e2ehelp.Bureau, "INBOX", mmInvitationMail())
	e2ehelp.RunOnce(t, config)
	got := stack.WaitMessages(t, mmAna, 1, mmSettle)[0]
	h := fwdParse(t, got).Header
	if id := h.Get("List-Id"); !strings.Contains(id, "<gender.lists.example.org>") {
		t.Errorf("the member's copy has List-Id %q, want the list's", id)
	}
	if to := h.Get("X-Caucus-Original-To"); to != e2ehelp.Bureau {
		t.Errorf("X-Caucus-Original-To = %q, want %s", to, e2ehelp.Bureau)
	}
	replyTo := h.Values("Reply-To")
	if len(replyTo) != 1 {
		t.Fatalf("the member's copy has Reply-To %q, want ours alone", replyTo)
	}
	fwdToken(t, "Reply-To", replyTo[0])
	if n := mm.Held(t, list); n != 0 {
		t.Fatalf("the list holds %d posts; the bureau's copy must pass", n)
	}

	stack.WaitMessages(t, e2ehelp.Bureau, 2, mmSettle) // the invitation, and our copy back
	e2ehelp.RunOnce(t, config)
	mmQuiet(t, stack, mm)
	if n := len(stack.Messages(t, mmAna)); n != 1 {
		t.Errorf("ana holds %d messages after our copy came back: it was forwarded again", n)
	}
	checkListState(t, store, list, queue.ListDistributed)
	addr, _ := mail.ParseAddress(replyTo[0])
	return addr.Address
}

// mmDigestRoundTrip: ana answers with reply-all (the token, the list and
// the bureau in Cc), bo to the token alone; at the slot the inviter gets
// one digest with each answer once, although ana's came three times (to
// the token, to bureau@, and through the list). The inviter answers the digest; the answer reaches the list's
// members through the gateway, accepted, not held.
func mmDigestRoundTrip(t *testing.T, stack *mailstack.Stack, mm *mailstack.Mailman, config, list, replyTo string) {
	anaText, boText := "Ana will attend (answer through the list).", "Bo sends comments (answer to the token)."
	// ana's client also keeps bureau@ in Cc (as from a roster copy's To).
	stack.SendSMTP(t, mmAna, []string{replyTo, list, e2ehelp.Bureau},
		mmAnswer(mmAna, "mm-ana@example.org", replyTo, list+", "+e2ehelp.Bureau, anaText))
	stack.SendSMTP(t, mmBo, []string{replyTo}, mmAnswer(mmBo, "mm-bo@example.org", replyTo, "", boText))
	// invitation, our copy, ana to the token, ana in Cc, bo, ana through the list
	stack.WaitMessages(t, e2ehelp.Bureau, 6, mmSettle)
	mmQuiet(t, stack, mm)
	e2ehelp.RunOnce(t, config)
	sleepPast(nextSlot(time.Now()))
	e2ehelp.RunOnce(t, config)
	digest := stack.WaitMessages(t, mmInviter, 1, mmSettle)[0]
	e2ehelp.RunOnce(t, config)
	stack.WaitPostfixIdle(t, mmSettle)
	if n := len(stack.Messages(t, mmInviter)); n != 1 {
		t.Fatalf("the inviter holds %d messages, want one digest", n)
	}
	mmCheckDigest(t, digest, map[string]string{"mm-ana@example.org": anaText, "mm-bo@example.org": boText})

	answerTo := mmReplyTo(t, digest)
	inviterText := "The chair thanks the caucus (the inviter's answer)."
	stack.SendSMTP(t, mmInviter, []string{answerTo}, []byte("From: Forum Chair <"+mmInviter+">\r\nTo: "+answerTo+"\r\n"+
		"Subject: Re: Invitation to the consultation on gender\r\nMessage-ID: <mm-chair-1@itu.int>\r\n"+
		"Date: "+time.Now().Format(time.RFC1123Z)+"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+inviterText+"\r\n"))
	stack.WaitMessages(t, e2ehelp.Bureau, 7, mmSettle)
	e2ehelp.RunOnce(t, config)
	// the invitation's copy, ana's reply-all through the list, the inviter's answer
	got := stack.WaitMessages(t, mmBo, 3, mmSettle)
	if !bytes.Contains(got[2], []byte(inviterText)) {
		t.Errorf("bo's third message is not the inviter's answer:\n%s", got[2])
	}
	if n := mm.Held(t, list); n != 0 {
		t.Errorf("the list holds %d posts; the inviter's answer comes from the bureau and must pass", n)
	}
}

// mmQuiet waits until Postfix and the Mailman core are both idle, twice
// over, since each hands mail to the other.
func mmQuiet(t *testing.T, stack *mailstack.Stack, mm *mailstack.Mailman) {
	t.Helper()
	for range 2 {
		stack.WaitPostfixIdle(t, mmSettle)
		mm.WaitIdle(t, mmSettle)
	}
}

// mmReplyTo is the Reply-To address of a relayed digest: the token that
// carries the inviter's answer back to the caucus.
func mmReplyTo(t *testing.T, raw []byte) string {
	t.Helper()
	h := fwdParse(t, raw).Header
	rt := h.Values("Reply-To")
	if len(rt) != 1 {
		t.Fatalf("the digest has Reply-To %q, want one answer token", rt)
	}
	fwdToken(t, "Reply-To", rt[0])
	addr, _ := mail.ParseAddress(rt[0])
	return addr.Address
}

// mmCheckDigest checks that the digest attaches each answer once, by
// Message-ID, with its text: ana's came twice (direct, and back through
// the list with its footer) and is relayed once.
func mmCheckDigest(t *testing.T, raw []byte, want map[string]string) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read the digest: %v", err)
	}
	msgs := digestMessages(t, e)
	got := map[string]string{}
	for _, m := range msgs {
		id := strings.Trim(m.Header.Get("Message-Id"), "<> ")
		if _, dup := got[id]; dup {
			t.Errorf("answer %s is in the digest twice", id)
		}
		body, _ := io.ReadAll(m.Body)
		got[id] = string(body)
	}
	if len(msgs) != len(want) {
		t.Errorf("the digest holds %d messages, want the %d answers", len(msgs), len(want))
	}
	for id, text := range want {
		if !strings.Contains(got[id], text) {
			t.Errorf("answer %s is not in the digest with its text %q", id, text)
		}
	}
}

// checkListState checks what the store knows of the one copy sent to the
// list.
func checkListState(t *testing.T, store, list string, want queue.ListState) {
	t.Helper()
	withStore(t, store, func(ctx context.Context, s *queue.Store) error {
		copies, err := s.ListCopies(ctx, "bureau+list-gender@example.org", time.Now().Add(-time.Hour), time.Now().Add(time.Minute), 10)
		if err != nil {
			return err
		}
		if len(copies) != 1 || copies[0].State != want {
			return fmt.Errorf("copies to %s: %+v, want one %s", list, copies, want)
		}
		return nil
	})
}
