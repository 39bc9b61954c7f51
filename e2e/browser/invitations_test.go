package browser

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"caucusgate/internal/e2ehelp"
	"caucusgate/internal/mailstack"
)

// The Invitations page in the browser (issue 14, "The bureau's view"): an
// invitation with a deadline in its text goes through the daemon, Postfix
// and Dovecot to the caucus; a person finds it in the list, opens its page
// and reads its timeline, confirms the deadline read from the text, sets
// another with the date field, closes the invitation, and sees each change
// on the page, all by pressing buttons.

const (
	invitationSubject = "Invitation to the browser forum"
	invitationID      = "browser-invitation@itu.int"
)

func browserInvitation() []byte {
	return []byte("From: ITU Events <events@itu.int>\r\nTo: bureau@example.org\r\n" +
		"Subject: " + invitationSubject + "\r\nMessage-ID: <" + invitationID + ">\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Dear bureau,\r\nthe forum will be held in Geneva on 2 March 2027.\r\n" +
		"Deadline for registration: 15 January 2027.\r\n")
}

// TestE2EBrowserInvitations drives the Invitations pages in headless
// Chromium against the daemon on the real stack.
func TestE2EBrowserInvitations(t *testing.T) {
	mailstack.Required(t)
	requireChromium(t)
	stack := e2ehelp.StartStack(t)
	d := startBrowserDaemon(t, stack)

	stack.Append(t, e2ehelp.Bureau, "INBOX", browserInvitation())
	copies := e2ehelp.CopiesByMessageID(t, stack.WaitMessages(t, browserCaucus, 1, browserBudget))
	if copies[invitationID] != 1 {
		t.Fatalf("%s got %v, want the invitation once", browserCaucus, copies)
	}
	id := d.waitInvitationDelivered(t, invitationSubject)

	b := newBrowser(t, d.base)
	b.invitationListed(t, id)
	b.openInvitation(t, id)
	b.invitationAction(t, "#confirm-"+id, "confirmed", id, "The deadline of invitation "+id+" is confirmed")
	b.checkText(t, "#invitation-deadline", "2027-01-15 (text, firm)")
	b.setDeadline(t, id, "2027-01-20")
	b.checkText(t, "#invitation-deadline", "2027-01-20 (admin, firm)")
	b.invitationAction(t, "#close-"+id, "closed", id, "Invitation "+id+" closed")
	b.checkText(t, "#invitation-state", "closed")
	b.checkText(t, "#invitation-timeline", "deadline confirmed by an admin", "deadline set by an admin", "closed by an admin")
	b.closedNotOpen(t, id)
}

// invitationRow is one row of the invitations table, id invitation-<ID>.
var invitationRow = regexp.MustCompile(`(?s)<tr id="invitation-(\d+)">(.*?)</tr>`)

// waitInvitationDelivered polls the Invitations page until a row shows
// subject, then that invitation's page until its timeline has the
// copy delivered (the daemon records the relay's acceptance, which may
// come after Dovecot has the copy); it returns the invitation's id.
func (d *browserDaemon) waitInvitationDelivered(t *testing.T, subject string) string {
	t.Helper()
	var id string
	browserEventually(t, "the Invitations page to list "+subject, func() bool {
		status, _, body, err := d.get("/invitations", true)
		if err != nil || status != http.StatusOK {
			return false
		}
		for _, m := range invitationRow.FindAllStringSubmatch(body, -1) {
			if strings.Contains(m[2], html.EscapeString(subject)) {
				id = m[1]
				return true
			}
		}
		return false
	})
	browserEventually(t, "invitation "+id+"'s timeline to show the copy delivered", func() bool {
		status, _, body, err := d.get("/invitations/"+id, true)
		return err == nil && status == http.StatusOK && strings.Contains(body, "<td>delivered</td>")
	})
	return id
}

// invitationListed opens the list with the open filter and finds the
// invitation's row: its subject, the deadline read from the text, still
// unconfirmed, and the caucus's mark.
func (b *browser) invitationListed(t *testing.T, id string) {
	t.Helper()
	ctx := b.step(t)
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+"/invitations"))
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("open the Invitations page: %v (%v)", resp, err)
	}
	b.auth.checkChallenged(t)
	if _, err := chromedp.Run(ctx, chromedp.Click(chromedp.ID("filter-open"))); err != nil {
		t.Fatalf("tick the open filter: %v", err)
	}
	resp, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("filter")))
	if err != nil || resp.Status != http.StatusOK || !strings.Contains(resp.URL, "open=1") {
		t.Fatalf("filter the open invitations: %v (%v)", resp, err)
	}
	row := "#invitation-" + id
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row)))
	if err != nil {
		t.Fatalf("the open invitations have no row %s: %v", row, err)
	}
	for _, want := range []string{invitationSubject, "events@itu.int", "2027-01-15 (text, unconfirmed)", "gender: no answer", "open"} {
		if !strings.Contains(got, want) {
			t.Errorf("row %s reads %q, want %q in it", row, got, want)
		}
	}
}

// openInvitation follows the subject's link to the invitation's page and
// reads its timeline: received, decided, forwarded, delivered.
func (b *browser) openInvitation(t *testing.T, id string) {
	t.Helper()
	ctx := b.step(t)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("#invitation-"+id+" td.subject a")))
	if err != nil || resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/invitations/"+id) {
		t.Fatalf("follow the subject to invitation %s: %v (%v)", id, resp, err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#invitation-timeline tbody tr')].map(r => r.innerText)`))
	if err != nil {
		t.Fatalf("read the timeline of invitation %s: %v", id, err)
	}
	timeline := strings.Join(rows, "\n")
	for _, want := range []string{"received\t\tfrom events@itu.int", "decided", "forwarded\tgender", "delivered\tgender"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline of invitation %s reads\n%s\nwant %q in it", id, timeline, want)
		}
	}
}

// invitationAction presses the button sel and checks the page it leads
// to: the invitation's own, 200, saying what was done.
func (b *browser) invitationAction(t *testing.T, sel, done, id, flash string) {
	t.Helper()
	ctx := b.step(t)
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("press %s: %v", sel, err)
	}
	b.checkDone(t, ctx, resp.Status, resp.URL, done, id, flash)
}

func (b *browser) checkDone(t *testing.T, ctx context.Context, status int64, url, done, id, flash string) {
	t.Helper()
	if want := fmt.Sprintf("/invitations/%s?done=%s", id, done); status != http.StatusOK || !strings.Contains(url, want) {
		t.Fatalf("the browser shows %s (status %d), want 200 on %s", url, status, want)
	}
	if got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("flash"))); err != nil || !strings.HasPrefix(got, flash) {
		t.Errorf("confirmation %q (%v), want %q", got, err, flash)
	}
}

// setDeadline types a day in the date field and presses Set deadline.
func (b *browser) setDeadline(t *testing.T, id, day string) {
	t.Helper()
	ctx := b.step(t)
	if _, err := chromedp.Run(ctx, chromedp.SetValue(chromedp.ID("deadline-"+id), day)); err != nil {
		t.Fatalf("fill in the deadline: %v", err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("set-deadline-"+id)))
	if err != nil {
		t.Fatalf("press Set deadline: %v", err)
	}
	b.checkDone(t, ctx, resp.Status, resp.URL, "deadline", id, "The deadline of invitation "+id+" is set.")
}

// checkText checks the element sel's text holds each of wants.
func (b *browser) checkText(t *testing.T, sel string, wants ...string) {
	t.Helper()
	got, err := chromedp.Run(b.step(t), chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s reads %q, want %q in it", sel, got, want)
		}
	}
}

// closedNotOpen goes back to the list: the closed invitation is listed
// as closed, and the open filter leaves it out.
func (b *browser) closedNotOpen(t *testing.T, id string) {
	t.Helper()
	ctx := b.step(t)
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+"/invitations")); err != nil {
		t.Fatal(err)
	}
	b.checkText(t, "#invitation-"+id, "closed", "2027-01-20 (admin)")
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+"/invitations?open=1")); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#invitation-"+id), chromedp.AtLeast(0)))
	if err != nil || len(rows) != 0 {
		t.Errorf("the open filter still lists closed invitation %s (%d rows, %v)", id, len(rows), err)
	}
}
