package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// The list confirmation tests (issue 10, "Is the copy distributed?"): the
// gender caucus is the list caucus-gender@lists.example.net, whose
// List-Id the gateway derives as <caucus-gender.lists.example.net>.

const genderList = "caucus-gender@lists.example.net"

// listPipeline forwards invitation 1 and returns the pipeline, the
// gender list's copy as sent, and its delivery id.
func listPipeline(t *testing.T, extraRules string) (*pipeline, []byte, int64) {
	t.Helper()
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, testRules+extraRules)
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(1, "events@itu.int", "Invitation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	copies := relayedTo(p, genderList)
	if len(copies) != 1 {
		t.Fatalf("gender list got %d copies, want 1", len(copies))
	}
	refs, err := p.store.InvitationOf(context.Background(), "inv-1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		if r.Caucus == "gender" {
			return p, copies[0].Data, r.DeliveryID
		}
	}
	t.Fatalf("no delivery to gender among %+v", refs)
	return nil, nil, 0
}

// throughMailman is our copy as a Mailman 3 list distributes it: its
// List-Id and List-* fields replaced by the list's, X-BeenThere added, a
// footer appended; replyTo, when not "", replaces Reply-To (a list that
// munges it).
func throughMailman(copy []byte, replyTo string) []byte {
	head, body, _ := strings.Cut(string(copy), "\r\n\r\n")
	var kept []string
	drop := false
	for _, line := range strings.Split(head, "\r\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if !drop {
				kept = append(kept, line)
			}
			continue
		}
		name := strings.ToLower(line[:max(strings.IndexByte(line, ':'), 0)])
		drop = strings.HasPrefix(name, "list-") || (replyTo != "" && name == "reply-to")
		if !drop {
			kept = append(kept, line)
		}
	}
	kept = append(kept, "List-Id: Gender Caucus <caucus-gender.lists.example.net>",
		"X-BeenThere: "+genderList, "List-Post: <mailto:"+genderList+">",
		"Precedence: list")
	if replyTo != "" {
		kept = append(kept, "Reply-To: "+replyTo)
	}
	return []byte(strings.Join(kept, "\r\n") + "\r\n\r\n" + body +
		"\r\n_______________________________________________\r\nGender mailing list -- " + genderList + "\r\n")
}

func confirmationOf(t *testing.T, p *pipeline, id int64) queue.ListConfirmation {
	t.Helper()
	c, err := p.store.ListConfirmationOf(context.Background(), id)
	if errors.Is(err, queue.ErrNotFound) {
		return queue.ListConfirmation{}
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func appendAndRun(t *testing.T, p *pipeline, raw []byte) {
	t.Helper()
	if err := p.world.Append("bureau@example.org", "INBOX", raw); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
}

// checkNothingSent fails when anything was sent after the first sent
// messages.
func checkNothingSent(t *testing.T, p *pipeline, sent int, what string) {
	t.Helper()
	if got := p.world.Received()[sent:]; len(got) != 0 {
		t.Errorf("%s was sent on to %v; it must never be forwarded", what, got[0].To)
	}
}

// TestListCopyBackMarksDistributed: our copy coming back through the list,
// Reply-To kept, marks its delivery distributed, raises no warning and is
// never forwarded again (a catch-all rule would match it).
func TestListCopyBackMarksDistributed(t *testing.T) {
	p, copy, id := listPipeline(t, "  - name: everything\n    when: {subject: \".\"}\n    forward: [education]\n")
	sent := len(p.world.Received())
	appendAndRun(t, p, throughMailman(copy, ""))
	checkNothingSent(t, p, sent, "our copy back through the list")
	if c := confirmationOf(t, p, id); c.State != queue.ListDistributed || c.Caucus != "gender" {
		t.Errorf("confirmation %+v, want distributed for gender", c)
	}
	warnings, err := p.store.ListWarnings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %+v for a copy that kept its Reply-To", warnings)
	}
}

// TestListCopyBackWithoutTokenWarns: a copy that comes back with the
// list's address in Reply-To (reply_goes_to_list munging, DMARC
// mitigation) is still distributed, and warns on the caucus's page that
// answers will not find their way; a later copy with its token clears it.
func TestListCopyBackWithoutTokenWarns(t *testing.T) {
	p, copy, id := listPipeline(t, "")
	appendAndRun(t, p, throughMailman(copy, genderList))
	if c := confirmationOf(t, p, id); c.State != queue.ListDistributed {
		t.Errorf("confirmation %+v, want distributed", c)
	}
	warnings, err := p.store.ListWarnings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || warnings[0].Caucus != "gender" || !strings.Contains(warnings[0].Detail, "answers will not find their way") {
		t.Fatalf("warnings %+v, want one for gender saying answers will not find their way", warnings)
	}
	checkCaucusPage(t, p, "Answers will not find their way", "distributed")
	fixed := strings.Replace(string(throughMailman(copy, "")), "Message-ID: <inv-1@example.com>", "Message-ID: <inv-1@example.com>\r\nX-Again: 1", 1)
	appendAndRun(t, p, []byte(fixed))
	if warnings, _ = p.store.ListWarnings(context.Background()); len(warnings) != 0 {
		t.Errorf("warnings %+v after a copy came back with its token", warnings)
	}
}

// mailmanRejection is Mailman 3's rejection notice (app/bounces.py
// bounce_message): from LIST-owner@ to the post's From, the post's own
// subject, the post attached.
func mailmanRejection(copy []byte) []byte {
	return []byte("From: caucus-gender-owner@lists.example.net\r\nTo: bureau@example.org\r\n" +
		"Subject: Invitation\r\nMessage-ID: <notice-1@lists.example.net>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"n\"\r\n\r\n--n\r\nContent-Type: text/plain\r\n\r\n" +
		"Your message to the caucus-gender@lists.example.net mailing-list was rejected for the following\r\n" +
		"reasons:\r\n\r\nThe message is not from a list member\r\n\r\n--n\r\nContent-Type: message/rfc822\r\n\r\n" +
		string(copy) + "\r\n--n--\r\n")
}

// sympaModeration is Sympa's note to a poster whose message waits for the
// list's editors: from the robot, citing no Message-ID.
func sympaModeration() []byte {
	return []byte("From: SYMPA <sympa@lists.example.net>\r\nTo: bureau@example.org\r\n" +
		"Subject: Your message has been forwarded to the moderator(s)\r\nMessage-ID: <sympa-1@lists.example.net>\r\n" +
		"Content-Type: text/plain\r\n\r\nYour message for list caucus-gender has been forwarded to the editor(s)\r\n")
}

// TestListNoticesMarkHeldOrRejected: a list server's notices are never
// forwarded (a rule matching them says forward) and mark the copy they
// concern: Mailman's rejection names it by the attached post, Sympa's
// moderation note names none and concerns the caucus's latest copy.
func TestListNoticesMarkHeldOrRejected(t *testing.T) {
	extra := "  - name: lists\n    when: {from: \"*@lists.example.net\"}\n    forward: [education]\n"
	t.Run("mailman rejection", func(t *testing.T) {
		p, copy, id := listPipeline(t, extra)
		sent := len(p.world.Received())
		appendAndRun(t, p, mailmanRejection(copy))
		checkNothingSent(t, p, sent, "Mailman's rejection notice")
		if c := confirmationOf(t, p, id); c.State != queue.ListRejected {
			t.Errorf("confirmation %+v, want rejected", c)
		}
	})
	t.Run("sympa moderation", func(t *testing.T) {
		p, _, id := listPipeline(t, extra)
		sent := len(p.world.Received())
		appendAndRun(t, p, sympaModeration())
		checkNothingSent(t, p, sent, "Sympa's moderation note")
		if c := confirmationOf(t, p, id); c.State != queue.ListHeld {
			t.Errorf("confirmation %+v, want held", c)
		}
	})
}

// TestListReportMarksRejected: a delivery report to the caucus's list
// envelope (how Google Groups and Microsoft 365 refuse a post) marks the
// copy rejected, besides the list bounce the bounce code records.
func TestListReportMarksRejected(t *testing.T) {
	p, _, id := listPipeline(t, "")
	sent := len(p.world.Received())
	appendAndRun(t, p, dsn("bureau+list-gender@example.org", genderList, "5.7.1", 1))
	checkNothingSent(t, p, sent, "the report")
	if c := confirmationOf(t, p, id); c.State != queue.ListRejected {
		t.Errorf("confirmation %+v, want rejected", c)
	}
}

// TestListCopyNotSeenTellsNotifyOnce: a copy nothing confirmed within
// lists.confirm_within shows "not seen on the list" and notify is told,
// once however often the check runs; a confirmed copy is not.
func TestListCopyNotSeenTellsNotifyOnce(t *testing.T) {
	p, copy, genderID := listPipeline(t, "")
	p.cfg.Notify = "notify@bureau.example.org"
	p.cfg.ListConfirmWithin = time.Hour
	appendAndRun(t, p, throughMailman(copy, "")) // gender confirmed
	later := time.Now().Add(2 * time.Hour)
	p.cfg.Now = func() time.Time { return later }
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		g.checkListCopies(context.Background())
	}
	refs, err := p.store.InvitationOf(context.Background(), "inv-1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var eduID int64
	for _, r := range refs {
		if r.Caucus == "education" && eduID == 0 {
			eduID = r.DeliveryID
		}
	}
	if c := confirmationOf(t, p, eduID); c.State != queue.ListNotSeen {
		t.Errorf("education's copy: %+v, want not_seen", c)
	}
	if c := confirmationOf(t, p, genderID); c.State != queue.ListDistributed {
		t.Errorf("gender's copy: %+v, want distributed still", c)
	}
	p.runOnce()
	told := relayedTo(p, "notify@bureau.example.org")
	if len(told) != 1 {
		t.Fatalf("notify was told %d times, want once", len(told))
	}
	if h := readHeader(t, told[0].Data); !strings.Contains(h.Get("Subject"), "Not seen on the list of caucus education") {
		t.Errorf("notice subject %q", h.Get("Subject"))
	}
}

// checkCaucusPage checks the gender caucus's row of the admin backend:
// its list warning and its latest copy's state.
func checkCaucusPage(t *testing.T, p *pipeline, warning, state string) {
	t.Helper()
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := g.AdminBackend().Caucuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.ID != "gender" {
			continue
		}
		if c.List == nil || !strings.Contains(c.List.Warning, warning) || len(c.List.Copies) != 1 || c.List.Copies[0].State != state {
			t.Errorf("gender's row: %+v, want the warning %q and one copy %q", c.List, warning, state)
		}
		return
	}
	t.Errorf("no gender caucus among %+v", cs)
}
