package gateway

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	invitations "caucusgate/gateway/invitation"
	"caucusgate/gateway/mailsim"
	"caucusgate/gateway/token"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// forwardedWithDeadline takes in an invitation to gender and education
// whose text gives 15 January 2027 as its deadline, and returns its id and
// the Reply-To of each caucus's copy.
func forwardedWithDeadline(t *testing.T, p *pipeline) (int64, map[string]string) {
	t.Helper()
	body := strings.Replace(string(invitation(7, "events@itu.int", "Invitation to the forum")),
		"you are invited (7).", "Deadline for registration: 15 January.", 1)
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(body)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	replyTo := map[string]string{}
	for caucus, list := range map[string]string{"gender": "caucus-gender@lists.example.net", "education": "caucus-education@lists.example.net"} {
		for _, r := range relayedTo(p, list) {
			h := readHeader(t, r.Data)
			l, _ := h.AddressList("Reply-To")
			replyTo[caucus] = l[0].Address
		}
	}
	list, err := p.store.ListInvitations(context.Background(), queue.InvitationFilter{})
	if err != nil || len(list) != 1 || len(replyTo) != 2 {
		t.Fatalf("invitations %+v, %v; copies' Reply-To %v", list, err, replyTo)
	}
	return list[0].ID, replyTo
}

func reminders(p *pipeline) []mailsim.Received {
	var out []mailsim.Received
	for _, r := range p.world.Received() {
		if strings.Contains(string(r.Data), "X-Caucusgate-Reminder:") {
			out = append(out, r)
		}
	}
	return out
}

func remindedPipeline(t *testing.T, dsn string) (*pipeline, *clock) {
	p := newPipeline(t, dsn, mailsim.Options{})
	c := &clock{t: time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)}
	p.cfg.Now = c.now
	rs, err := invitations.ParseReminders([]string{"2d", "7d"})
	if err != nil {
		t.Fatal(err)
	}
	p.cfg.Invitations = &invitations.Options{Zone: time.UTC, Reminders: rs}
	return p, c
}

// TestRemindersToCaucusesThatHaveNotAnswered walks one invitation through
// the reminder rules: none for a guessed (text) deadline until an admin
// confirms it; then one to the caucus that has not answered, in its copy's
// thread, once across restarts; none while closed; the next one later.
func TestRemindersToCaucusesThatHaveNotAnswered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, c := remindedPipeline(t, queuetest.SQLite(t))
	ref, replyTo := forwardedWithDeadline(t, p)
	if err := p.world.Append("bureau@example.org", "INBOX", reply("gina@gender.example.net", replyTo["gender"], "We will attend.", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()

	c.t = time.Date(2027, 1, 8, 9, 0, 0, 0, time.UTC) // 7 days before
	p.runOnce()
	if n := len(reminders(p)); n != 0 {
		t.Fatalf("%d reminders for a deadline read from the text that no admin confirmed", n)
	}
	if err := p.store.ConfirmInvitationDeadline(ctx, ref); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	p.runOnce() // a restart: the same reminder is not sent again
	got := reminders(p)
	if len(got) != 1 || got[0].To[0] != "caucus-education@lists.example.net" {
		t.Fatalf("reminders %v, want one to the education list (gender answered)", recipientsOf(got))
	}
	assertReminder(t, p, got[0], ref, replyTo["education"], "7d")

	if err := p.store.CloseInvitation(ctx, ref, false); err != nil {
		t.Fatal(err)
	}
	c.t = time.Date(2027, 1, 13, 9, 0, 0, 0, time.UTC) // 2 days before
	p.runOnce()
	if n := len(reminders(p)); n != 1 {
		t.Fatalf("%d reminders, want none more for a closed invitation", n-1)
	}
	if err := p.store.CloseInvitation(ctx, ref, true); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if got := reminders(p); len(got) != 2 || got[1].To[0] != "caucus-education@lists.example.net" {
		t.Fatalf("reminders %v, want the 2d one to education after reopening", recipientsOf(got))
	}
	assertRemindedInStore(t, p, ref)
}

func recipientsOf(rs []mailsim.Received) [][]string {
	var out [][]string
	for _, r := range rs {
		out = append(out, r.To)
	}
	return out
}

// assertReminder checks a reminder is in the copy's thread and says what
// to do by when.
func assertReminder(t *testing.T, p *pipeline, r mailsim.Received, ref int64, copyReplyTo, name string) {
	t.Helper()
	h := readHeader(t, r.Data)
	subject, _ := h.Subject()
	irt, _ := h.MsgIDList("In-Reply-To")
	id, _ := h.MessageID()
	rt, _ := h.AddressList("Reply-To")
	if subject != "Reminder: Invitation to the forum" || len(irt) != 1 || irt[0] != "inv-7@example.com" {
		t.Errorf("subject %q, In-Reply-To %v", subject, irt)
	}
	if "<"+id+">" != invitations.ReminderMessageID(ref, "education", name, "bureau@example.org") {
		t.Errorf("Message-ID %q is not the reminder's fixed one", id)
	}
	if len(rt) != 1 || !sameReplyToken(t, p, rt[0].Address, copyReplyTo) {
		t.Errorf("Reply-To %v, want the copy's token %s", rt, copyReplyTo)
	}
	body := bodyText(t, r.Data)
	for _, want := range []string{"15 January 2027", "reply to this message", "events@itu.int"} {
		if !strings.Contains(body, want) {
			t.Errorf("reminder body lacks %q:\n%s", want, body)
		}
	}
}

func assertRemindedInStore(t *testing.T, p *pipeline, ref int64) {
	t.Helper()
	ctx := context.Background()
	inv, err := p.store.GetInvitation(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	v := invitations.NewViewer(nil).View(inv, p.cfg.Now())
	for _, c := range v.Caucuses {
		want := map[string]string{"gender": "", "education": "7d,2d"}[c.ID]
		if got := strings.Join(c.Reminded, ","); got != want {
			t.Errorf("caucus %s reminded %q, want %q", c.ID, got, want)
		}
		if c.ID == "education" && (c.Answers != 0 || !c.Delivered) {
			t.Errorf("education %+v: a reminder counted as a copy or an answer", c)
		}
	}
	timeline, err := p.store.InvitationTimeline(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range timeline {
		if e.What == "reminder" && e.Caucus == "education" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d reminder entries in the timeline, want 2: %+v", n, timeline)
	}
}

// TestAnswerToAReminderCountsForTheCaucus: a reply to a reminder goes
// where a reply to the copy goes, and no further reminder follows.
func TestAnswerToAReminderCountsForTheCaucus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, c := remindedPipeline(t, queuetest.SQLite(t))
	ref, _ := forwardedWithDeadline(t, p)
	if err := p.store.SetInvitationDeadline(ctx, ref, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), "admin"); err != nil {
		t.Fatal(err)
	}
	c.t = time.Date(2027, 1, 8, 9, 0, 0, 0, time.UTC)
	p.runOnce()
	if n := len(reminders(p)); n != 2 {
		t.Fatalf("%d reminders, want one to each caucus", n)
	}
	for _, r := range reminders(p) {
		h := readHeader(t, r.Data)
		rt, _ := h.AddressList("Reply-To")
		if err := p.world.Append("bureau@example.org", "INBOX", reply("someone@lists.example.net", rt[0].Address, "Yes.", len(r.To[0]))); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	inv, err := p.store.GetInvitation(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range inv.Caucuses {
		if c.Answers != 1 || c.Relayed != 1 {
			t.Errorf("caucus %s: %d answers, %d relayed; want the answer to its reminder relayed", c.Caucus, c.Answers, c.Relayed)
		}
	}
	c.t = time.Date(2027, 1, 13, 9, 0, 0, 0, time.UTC)
	p.runOnce()
	if n := len(reminders(p)); n != 2 {
		t.Errorf("%d reminders, want none after both caucuses answered", n-2)
	}
}

// TestReminderNotSentOnceAnswered: a reminder recorded before the caucus
// answered, or before an admin closed the invitation, is not sent when its
// delivery comes up.
func TestReminderNotSentOnceAnswered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, _ := remindedPipeline(t, queuetest.SQLite(t))
	ref, replyTo := forwardedWithDeadline(t, p)
	if err := p.world.Append("bureau@example.org", "INBOX", reply("gina@gender.example.net", replyTo["gender"], "We will attend.", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if err := reminderStillDue(ctx, p.store, ref, "gender"); err != errNothingToSend {
		t.Errorf("gender answered: %v, want errNothingToSend", err)
	}
	if err := reminderStillDue(ctx, p.store, ref, "education"); err != nil {
		t.Errorf("education has not answered: %v", err)
	}
	if err := p.store.CloseInvitation(ctx, ref, false); err != nil {
		t.Fatal(err)
	}
	if err := reminderStillDue(ctx, p.store, ref, "education"); err != errNothingToSend {
		t.Errorf("closed: %v, want errNothingToSend", err)
	}
}

// TestWeeklySummaryOncePerSlot: the summary goes at its slot (Mondays
// 08:00 by default) once, as text and HTML, listing the open invitation,
// the caucus that has not answered, and the next Monday again.
func TestWeeklySummaryOncePerSlot(t *testing.T) {
	t.Parallel()
	p, c := remindedPipeline(t, queuetest.SQLite(t))
	p.cfg.Invitations.SummaryTo = "alice@bureau.example.org"
	c.t = time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC) // a Sunday: the first run sends the latest slot passed
	_, replyTo := forwardedWithDeadline(t, p)
	if err := p.world.Append("bureau@example.org", "INBOX", reply("gina@gender.example.net", replyTo["gender"], "We will attend.", 1)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	c.t = time.Date(2026, 11, 30, 8, 0, 30, 0, time.UTC) // Monday
	p.runOnce()
	p.runOnce()
	got := relayedTo(p, "alice@bureau.example.org")
	if len(got) != 2 {
		t.Fatalf("%d summaries, want 2 (the first start's, and Monday's once)", len(got))
	}
	text, html := summaryParts(t, got[1].Data)
	for _, want := range []string{"Invitation to the forum", "15 Jan 2027", "education", "Caucuses that have not answered"} {
		if !strings.Contains(text, want) || !strings.Contains(html, want) {
			t.Errorf("summary lacks %q:\n%s\n%s", want, text, html)
		}
	}
	if strings.Contains(text, "gender: no answer") {
		t.Errorf("gender answered:\n%s", text)
	}
	c.t = time.Date(2026, 12, 7, 8, 1, 0, 0, time.UTC)
	p.runOnce()
	if n := len(relayedTo(p, "alice@bureau.example.org")); n != 3 {
		t.Errorf("%d summaries, want one more the next Monday", n)
	}
}

// summaryParts reads the text and HTML alternatives of a summary.
func summaryParts(t *testing.T, data []byte) (text, html string) {
	t.Helper()
	r, err := mail.CreateReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if ct, _, _ := r.Header.ContentType(); ct != "multipart/alternative" {
		t.Fatalf("summary is %s, want multipart/alternative", ct)
	}
	for {
		part, err := r.NextPart()
		if err != nil {
			break
		}
		b := new(bytes.Buffer)
		if _, err := b.ReadFrom(part.Body); err != nil {
			t.Fatal(err)
		}
		switch ct, _, _ := part.Header.(*mail.InlineHeader).ContentType(); ct {
		case "text/plain":
			text = b.String()
		case "text/html":
			html = b.String()
		}
	}
	if text == "" || html == "" {
		t.Fatalf("summary lacks an alternative: text %d bytes, html %d bytes", len(text), len(html))
	}
	return text, html
}

// bodyText is a single-part message's body, decoded.
func bodyText(t *testing.T, data []byte) string {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	part, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	b := new(bytes.Buffer)
	if _, err := b.ReadFrom(part.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// sameReplyToken says two Reply-To addresses carry the same copy's token:
// a reply token naming the same delivery. The strings are equal when the
// gateway's and the store's clocks agree; here the gateway's is a test
// clock, so the expiry days differ.
func sameReplyToken(t *testing.T, p *pipeline, a, b string) bool {
	t.Helper()
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := g.Keyring(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var toks []token.Token
	for _, addr := range []string{a, b} {
		s, ok := token.FromPlusAddress(addr, "bureau@example.org")
		if !ok {
			return false
		}
		tok, err := keys.Open(s, time.Time{})
		if err != nil {
			t.Fatalf("open %s: %v", addr, err)
		}
		toks = append(toks, tok)
	}
	return toks[0].Kind == token.Reply && toks[0].Kind == toks[1].Kind && toks[0].ID == toks[1].ID
}
