package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"caucusgate/gateway/token"
	"caucusgate/internal/e2ehelp"
	"caucusgate/internal/mailstack"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// The forwarding half of the real-server suite (issue 4): what a caucus
// member finds in a real mailbox after the built binary forwarded through
// Postfix to Dovecot, and what comes back (loops, delivery reports) that
// must go nowhere.

// fwdSettle bounds how long Postfix may take to deliver or bounce what it
// accepted: a failure budget, not a speed assertion.
const fwdSettle = time.Minute

// fwdParse parses a delivered copy, failing the test when it does not.
func fwdParse(t *testing.T, raw []byte) *gomail.Reader {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("delivered copy does not parse: %v\n%s", err, raw)
	}
	return r
}

// fwdOnly returns the single message in user's INBOX, once Postfix is idle.
func fwdOnly(t *testing.T, stack *mailstack.Stack, user string) []byte {
	t.Helper()
	msgs := stack.Messages(t, user)
	if len(msgs) != 1 {
		t.Fatalf("%s holds %d messages, want exactly 1", user, len(msgs))
	}
	return msgs[0]
}

// fwdToken returns the token of a plus-address of the bureau
// (bureau+TOKEN@example.org), failing the test for anything else.
func fwdToken(t *testing.T, field, value string) string {
	t.Helper()
	addr, err := mail.ParseAddress(value)
	if err != nil {
		t.Fatalf("%s %q is no address: %v", field, value, err)
	}
	tok, ok := token.FromPlusAddress(addr.Address, e2ehelp.Bureau)
	if !ok {
		t.Fatalf("%s %q is not %s with a token (bureau+TOKEN@example.org)", field, value, e2ehelp.Bureau)
	}
	return tok
}

const fwdHeaderRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: gender@example.org
  - id: education
    name: Education Caucus
    address: education@example.org
bureau:
  members: [alice@example.org]
`

// fwdAttachment is PDF-like content: a PDF header and trailer around
// binary bytes, fixed by the seed so that a failure reproduces.
func fwdAttachment() []byte {
	rng := rand.New(rand.NewPCG(4, 2026))
	body := make([]byte, 48<<10)
	for i := range body {
		body[i] = byte(rng.UintN(256))
	}
	pdf := append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), body...)
	return append(pdf, "\n%%EOF\n"...)
}

// base64Lines encodes b in lines of 76 characters (RFC 2045 6.8).
func base64Lines(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var s strings.Builder
	for len(enc) > 76 {
		s.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	s.WriteString(enc + "\r\n")
	return s.String()
}

// fwdTaggedInvitation is what a bureau member forwards with a routing tag:
// an RFC 2047 encoded subject holding the tag, a Reply-To of her own that
// the copy must not keep, and a PDF attachment. It returns the message's
// header and body apart, so that the body can be compared byte for byte.
func fwdTaggedInvitation(pdf []byte) (header, body string) {
	subject := mime.QEncoding.Encode("utf-8", "Fwd: [caucus: gender] Invitation à la consultation")
	header = "From: Alice Martin <alice@example.org>\r\n" +
		"To: bureau@example.org\r\n" +
		"Reply-To: Alice Martin <alice.private@example.org>\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <tagged-1@mail.example.org>\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
	body = "--b1\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" +
		"Dear colleagues, please see the invitation attached.\r\n\r\n" +
		"--b1\r\n" +
		"Content-Type: application/pdf; name=\"invitation.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"invitation.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" +
		base64Lines(pdf) +
		"--b1--\r\n"
	return header, body
}

// TestE2EForwardedCopyHeaders forwards a bureau member's tagged message
// and reads the copy Dovecot stored for the caucus: the list's fields, the
// rewritten From, a fresh Reply-To token, the original Message-ID, the
// subject without its tag, the body's bytes untouched and the attachment's
// bytes after decoding.
func TestE2EForwardedCopyHeaders(t *testing.T) {
	mailstack.Required(t)
	stack := e2ehelp.StartStack(t)
	pdf := fwdAttachment()
	header, body := fwdTaggedInvitation(pdf)
	stack.Append(t, e2ehelp.Bureau, "INBOX", []byte(header+"\r\n"+body))
	e2ehelp.RunOnce(t, e2ehelp.WriteConfig(t, stack, queuetest.SQLite(t), fwdHeaderRules))
	stack.WaitPostfixIdle(t, fwdSettle)

	if n := len(stack.Messages(t, "education@example.org")); n != 0 {
		t.Errorf("education@ got %d copies: the tag named gender only", n)
	}
	raw := fwdOnly(t, stack, "gender@example.org")
	r := fwdParse(t, raw)
	checkListFields(t, r.Header)
	checkRewrittenFrom(t, r.Header)
	checkSingleReplyToken(t, r.Header)
	if id, err := r.Header.MessageID(); err != nil || id != "tagged-1@mail.example.org" {
		t.Errorf("Message-ID = %q (%v), want the original's tagged-1@mail.example.org", id, err)
	}
	if subj, err := r.Header.Subject(); err != nil || subj != "Fwd: Invitation à la consultation" {
		t.Errorf("Subject = %q (%v), want the routing tag removed: %q", subj, err, "Fwd: Invitation à la consultation")
	}
	if _, got, ok := bytes.Cut(raw, []byte("\r\n\r\n")); !ok || string(got) != body {
		t.Errorf("resend changed the body's bytes (%d bytes delivered, %d sent)", len(got), len(body))
	}
	checkAttachment(t, r, "invitation.pdf", pdf)
}

// checkListFields checks what marks the copy as the caucus list's (RFC 2919,
// RFC 2369) and keeps loops and auto-replies away.
func checkListFields(t *testing.T, h gomail.Header) {
	t.Helper()
	for _, c := range []struct{ name, want string }{
		{"List-Id", "Gender Caucus <gender.caucus.example.org>"},
		{"List-Post", "<mailto:bureau@example.org>"},
		{"Precedence", "list"},
		{"X-Loop", "bureau@example.org"},
		{"X-Auto-Response-Suppress", "OOF, AutoReply"},
	} {
		got := h.Values(c.name)
		if len(got) != 1 || unquotePhrase(got[0]) != c.want {
			t.Errorf("%s = %q, want exactly one: %q", c.name, got, c.want)
		}
	}
	help := h.Values("List-Help")
	if len(help) != 1 || !strings.HasPrefix(help[0], "<mailto:bureau@example.org") || !strings.HasSuffix(help[0], ">") {
		t.Errorf("List-Help = %q, want one <mailto:bureau@example.org...> URI", help)
	}
}

// unquotePhrase drops the quotes around a List-Id's phrase: "Gender
// Caucus" and Gender Caucus are the same phrase (RFC 5322 3.2.5).
func unquotePhrase(v string) string {
	name, rest, ok := strings.Cut(v, " <")
	if !ok {
		return v
	}
	return strings.Trim(name, `"`) + " <" + rest
}

// checkRewrittenFrom checks From is "Name via Caucus Name" <account> and
// the original From is kept in X-Original-From.
func checkRewrittenFrom(t *testing.T, h gomail.Header) {
	t.Helper()
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Alice Martin via Gender Caucus" || from[0].Address != e2ehelp.Bureau {
		t.Errorf("From = %v (%v), want one %q", from, err, `"Alice Martin via Gender Caucus" <bureau@example.org>`)
	}
	orig, err := h.AddressList("X-Original-From")
	if err != nil || len(orig) != 1 || orig[0].Address != "alice@example.org" || orig[0].Name != "Alice Martin" {
		t.Errorf("X-Original-From = %v (%v), want the original From, Alice Martin <alice@example.org>", orig, err)
	}
}

// checkSingleReplyToken checks the original Reply-To gave way to one
// plus-address of the bureau carrying a token.
func checkSingleReplyToken(t *testing.T, h gomail.Header) {
	t.Helper()
	rt := h.Values("Reply-To")
	if len(rt) != 1 {
		t.Fatalf("Reply-To fields %q, want exactly one", rt)
	}
	fwdToken(t, "Reply-To", rt[0])
}

// checkAttachment finds the attachment called name and compares its
// decoded bytes with want.
func checkAttachment(t *testing.T, r *gomail.Reader, name string, want []byte) {
	t.Helper()
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			t.Fatalf("no attachment %s in the delivered copy", name)
		}
		if err != nil {
			t.Fatalf("read delivered copy's parts: %v", err)
		}
		ah, ok := p.Header.(*gomail.AttachmentHeader)
		if !ok {
			continue
		}
		if fn, _ := ah.Filename(); fn != name {
			continue
		}
		got, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatalf("decode attachment %s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("attachment %s decodes to %d bytes that differ from the %d sent", name, len(got), len(want))
		}
		return
	}
}

const fwdRosterRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    members: [m1@example.org, m2@example.org]
  - id: education
    name: Education Caucus
    members: [m2@example.org, m3@example.org]
rules:
  - name: itu-invitations
    when: {from: "*@itu.int", subject: "(?i)invitation"}
    forward: [gender, education]
`

// TestE2ERosterMemberInTwoCaucusesGetsOneCopy forwards one invitation to
// two roster caucuses that share a member: each person gets exactly one
// copy, each sent from a VERP address of its own so a bounce names them.
func TestE2ERosterMemberInTwoCaucusesGetsOneCopy(t *testing.T) {
	mailstack.Required(t)
	stack := e2ehelp.StartStack(t)
	stack.Append(t, e2ehelp.Bureau, "INBOX", e2ehelp.Invitation(7))
	e2ehelp.RunOnce(t, e2ehelp.WriteConfig(t, stack, queuetest.SQLite(t), fwdRosterRules))
	stack.WaitPostfixIdle(t, fwdSettle)

	wantList := map[string]string{"m1@example.org": "gender.caucus.example.org", "m3@example.org": "education.caucus.example.org"}
	tokens := map[string]string{}
	for _, member := range []string{"m1@example.org", "m2@example.org", "m3@example.org"} {
		h := fwdParse(t, fwdOnly(t, stack, member)).Header
		if id, _ := h.MessageID(); id != "e2e-7@itu.int" {
			t.Errorf("%s got Message-ID %q, want e2e-7@itu.int", member, id)
		}
		rp := h.Values("Return-Path")
		if len(rp) != 1 {
			t.Fatalf("%s: Return-Path fields %q, want the one Dovecot wrote", member, rp)
		}
		tok := fwdToken(t, member+"'s Return-Path", rp[0])
		if other, dup := tokens[tok]; dup {
			t.Errorf("%s and %s share the envelope sender token %s: a bounce could not name the member", other, member, tok)
		}
		tokens[tok] = member
		if want := wantList[member]; want != "" && !strings.Contains(h.Get("List-Id"), "<"+want+">") {
			t.Errorf("%s: List-Id %q, want <%s>", member, h.Get("List-Id"), want)
		}
	}
}

const fwdLoopRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: gender@example.org
  - id: education
    name: Education Caucus
    address: education@example.org
rules:
  - name: invitations
    when: {subject: "(?i)invitation"}
    forward: [gender, education]
`

// fwdLoopMessage is an invitation the rules would forward, with extra
// header fields that may make it one the gateway must never forward.
func fwdLoopMessage(id, from, subject, extra string) []byte {
	return []byte("From: " + from + "\r\nTo: bureau@example.org\r\nSubject: " + subject + "\r\n" +
		"Message-ID: <" + id + ">\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n" + extra +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nYou are invited.\r\n")
}

// fwdDSN is a delivery report (RFC 3464) about a message the gateway never
// sent, whose subject the rules would match.
func fwdDSN() []byte {
	return []byte("From: Mail Delivery System <MAILER-DAEMON@mx.itu.int>\r\n" +
		"To: bureau@example.org\r\n" +
		"Subject: Undelivered Mail Returned to Sender: Invitation to the consultation\r\n" +
		"Message-ID: <loop-dsn@mx.itu.int>\r\n" +
		"Date: Mon, 23 Nov 2026 10:05:00 +0000\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r1\"\r\n\r\n" +
		"--r1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" +
		"Your message could not be delivered.\r\n\r\n" +
		"--r1\r\nContent-Type: message/delivery-status\r\n\r\n" +
		"Reporting-MTA: dns; mx.itu.int\r\n\r\n" +
		"Final-Recipient: rfc822; nobody@itu.int\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n" +
		"--r1\r\nContent-Type: text/rfc822-headers\r\n\r\n" +
		"From: bureau@example.org\r\nTo: nobody@itu.int\r\nSubject: Invitation to the consultation\r\n\r\n" +
		"--r1--\r\n")
}

// TestE2ELoopMarkersAndReportsNotForwarded sends the bureau, through
// Postfix, mail that the rules would forward but that is our own coming
// back, an auto-reply or a delivery report: none reaches a caucus, while
// an ordinary invitation sent beside them does.
func TestE2ELoopMarkersAndReportsNotForwarded(t *testing.T) {
	mailstack.Required(t)
	stack := e2ehelp.StartStack(t)
	const subject = "Invitation to the consultation"
	inputs := []struct {
		id, envelopeFrom string
		raw              []byte
	}{
		{"loop-control@itu.int", "events@itu.int", fwdLoopMessage("loop-control@itu.int", "events@itu.int", subject, "")},
		{"loop-xloop@itu.int", "events@itu.int", fwdLoopMessage("loop-xloop@itu.int", "events@itu.int", subject, "X-Loop: bureau@example.org\r\n")},
		{"loop-listid@itu.int", "events@itu.int", fwdLoopMessage("loop-listid@itu.int", "events@itu.int", subject,
			"List-Id: Gender Caucus <gender.caucus.example.org>\r\n")},
		{"loop-autoreply@itu.int", "events@itu.int", fwdLoopMessage("loop-autoreply@itu.int", "events@itu.int",
			"Automatic reply: "+subject, "Auto-Submitted: auto-replied\r\n")},
		{"loop-dsn@mx.itu.int", "", fwdDSN()},
	}
	for _, in := range inputs {
		stack.SendSMTP(t, in.envelopeFrom, []string{e2ehelp.Bureau}, in.raw)
	}
	stack.WaitMessages(t, e2ehelp.Bureau, len(inputs), fwdSettle)
	checkNullReturnPath(t, stack, "loop-dsn@mx.itu.int")

	e2ehelp.RunOnce(t, e2ehelp.WriteConfig(t, stack, queuetest.SQLite(t), fwdLoopRules))
	stack.WaitPostfixIdle(t, fwdSettle)
	for _, caucus := range []string{"gender@example.org", "education@example.org"} {
		got := e2ehelp.CopiesByMessageID(t, stack.Messages(t, caucus))
		if got["loop-control@itu.int"] != 1 {
			t.Errorf("%s: the ordinary invitation arrived %d times, want once (did the pipeline run?)", caucus, got["loop-control@itu.int"])
		}
		for _, in := range inputs[1:] {
			if n := got[in.id]; n != 0 {
				t.Errorf("%s: %s was forwarded %d times, want never", caucus, in.id, n)
			}
		}
	}
}

// checkNullReturnPath checks that Dovecot stored the report with the null
// envelope sender it came with, the mark of a delivery report.
func checkNullReturnPath(t *testing.T, stack *mailstack.Stack, id string) {
	t.Helper()
	for _, m := range stack.Messages(t, e2ehelp.Bureau) {
		h := fwdParse(t, m).Header
		if got, _ := h.MessageID(); got != id {
			continue
		}
		if rp := strings.TrimSpace(h.Get("Return-Path")); rp != "<>" {
			t.Fatalf("the report's Return-Path is %q, want <>", rp)
		}
		return
	}
	t.Fatalf("report %s not in the bureau's INBOX", id)
}

const fwdBounceRules = `
caucuses:
  - id: health
    name: Health Caucus
    members: [good@example.org, gone@example.org]
rules:
  - name: itu-invitations
    when: {from: "*@itu.int", subject: "(?i)invitation"}
    forward: [health]
`

// TestE2EBounceRecordedAgainstMember forwards to a roster with a member
// Postfix bounces after accepting; the delivery report comes back to the
// VERP sender (delivered to the bureau by plus-addressing), the next run
// records a hard bounce against that member only, and forwards the report
// to nobody.
func TestE2EBounceRecordedAgainstMember(t *testing.T) {
	mailstack.Required(t)
	stack := mailstack.Start(t, mailstack.Options{
		Users:            []string{e2ehelp.Bureau},
		RejectRecipients: []string{"gone@example.org"},
	})
	stack.Append(t, e2ehelp.Bureau, "INBOX", e2ehelp.Invitation(3))
	store := queuetest.SQLite(t)
	config := e2ehelp.WriteConfig(t, stack, store, fwdBounceRules)
	e2ehelp.RunOnce(t, config)
	stack.WaitPostfixIdle(t, fwdSettle)
	if n := len(stack.Messages(t, e2ehelp.Bureau)); n != 2 {
		t.Fatalf("the bureau's INBOX holds %d messages, want the invitation and Postfix's report on gone@", n)
	}

	e2ehelp.RunOnce(t, config)
	stack.WaitPostfixIdle(t, fwdSettle)
	checkBounces(t, store)
	if n := len(stack.Messages(t, "good@example.org")); n != 1 {
		t.Errorf("good@ holds %d messages, want the invitation only (the report forwarded?)", n)
	}
	if n := len(stack.Messages(t, e2ehelp.Bureau)); n != 2 {
		t.Errorf("the bureau's INBOX holds %d messages after the second run, want 2 (a forward of the report bounced back?)", n)
	}
}

// checkBounces opens the store the binary used and checks that the only
// bounce recorded is one hard bounce of gone@ in the health caucus.
func checkBounces(t *testing.T, dsn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := queue.Open(ctx, queue.Options{DSN: dsn})
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	defer st.Close()
	counts, err := st.BounceCounts(ctx)
	if err != nil {
		t.Fatalf("bounce counts: %v", err)
	}
	want := fmt.Sprint([]string{"health/gone@example.org hard=1 soft=0 policy=0"})
	var got []string
	for _, c := range counts {
		got = append(got, fmt.Sprintf("%s/%s hard=%d soft=%d policy=%d", c.Caucus, c.Member, c.Hard, c.Soft, c.Policy))
	}
	if fmt.Sprint(got) != want {
		t.Errorf("bounces recorded %v, want %s", got, want)
	}
}
