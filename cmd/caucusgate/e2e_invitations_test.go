package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"caucusgate/internal/e2ehelp"
	"caucusgate/internal/mailstack"
	"caucusgate/queue"
)

// The invitations half of the real-server suite (issue 14): an invitation
// goes to two caucus lists through Postfix; one caucus answers through its
// copy's Reply-To; an admin sets the deadline; at the reminder's time the
// other caucus, and only it, gets one reminder in its copy's thread; the
// weekly summary (here every minute) reaches the bureau as text and HTML.
//
// The reminder's time is a real one, some seconds after the answers are
// in: the wait is what the reminder means, not a speed assertion.

const (
	invGender    = "gender@example.org"
	invEducation = "education@example.org"
	invSummaryTo = "chair@bureau.example.org"
	invID        = "e2e-remind-1@itu.int"
)

// invRoom is the time between the test's start and the reminder's: the
// forward and the answer (two run -once) fit in it many times over.
const invRoom = 30 * time.Second

var invRules = fmt.Sprintf(`
caucuses:
  - id: gender
    name: Gender Caucus
    address: %s
  - id: education
    name: Education Caucus
    address: %s
rules:
  - name: itu-invitations
    when: {from: "*@itu.int", subject: "(?i)invitation"}
    forward: [gender, education]
`, invGender, invEducation)

func TestE2EInvitationReminderAndSummary(t *testing.T) {
	mailstack.Required(t)
	eachStoreInParallel(t, invitationReminderAndSummary)
}

func invitationReminderAndSummary(t *testing.T, store string) {
	stack := e2ehelp.StartStack(t)
	config := e2ehelp.WriteConfig(t, stack, store, invRules)
	stack.Append(t, e2ehelp.Bureau, "INBOX", []byte("From: Forum Chair <chair@itu.int>\r\nTo: bureau@example.org\r\n"+
		"Subject: Invitation to the consultation\r\nMessage-ID: <"+invID+">\r\nDate: "+time.Now().Format(time.RFC1123Z)+"\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nDear bureau,\r\nyour caucuses are invited.\r\n"))
	e2ehelp.RunOnce(t, config)
	replyTo := map[string]string{}
	for _, list := range []string{invGender, invEducation} {
		h := fwdParse(t, stack.WaitMessages(t, list, 1, fwdSettle)[0]).Header
		replyTo[list] = h.Get("Reply-To")
	}
	answer := "From: ana@gender-caucus.example.net\r\nTo: " + replyTo[invGender] + "\r\nSubject: Re: Invitation to the consultation\r\n" +
		"Message-ID: <e2e-answer@gender-caucus.example.net>\r\nIn-Reply-To: <" + invID + ">\r\nDate: " + time.Now().Format(time.RFC1123Z) +
		"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWe will attend.\r\n"
	stack.SendSMTP(t, "ana@gender-caucus.example.net", []string{bareAddress(replyTo[invGender])}, []byte(answer))
	stack.WaitMessages(t, e2ehelp.Bureau, 2, fwdSettle)
	e2ehelp.RunOnce(t, config)
	checkHolds(t, stack, invSummaryTo, 0, "before the summary is configured")

	// The answer is in; now the admin sets the deadline, and reminders
	// are configured for a time some seconds ahead.
	deadline := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	remindAt := time.Now().Add(invRoom).Truncate(time.Second)
	appendFile(t, config, fmt.Sprintf("display_timezone: UTC\ninvitations:\n  reminders: [%s]\n  summary_to: %s\n  summary_schedule: \"@every 1m\"\n",
		deadline.Sub(remindAt), invSummaryTo))
	setDeadline(t, store, deadline)
	e2ehelp.RunOnce(t, config)
	if now := time.Now(); !now.Before(remindAt) {
		t.Fatalf("the steps before the reminder ended at %s, after its time %s (raise invRoom)", now, remindAt)
	}
	checkHolds(t, stack, invEducation, 1, "before the reminder's time")

	time.Sleep(time.Until(remindAt.Add(time.Second)))
	e2ehelp.RunOnce(t, config)
	reminder := stack.WaitMessages(t, invEducation, 2, fwdSettle)[1]
	checkE2EReminder(t, reminder, replyTo[invEducation])
	e2ehelp.RunOnce(t, config)
	stack.WaitPostfixIdle(t, fwdSettle)
	checkHolds(t, stack, invEducation, 2, "after a further run")
	checkHolds(t, stack, invGender, 1, "the caucus that answered")
	checkE2ESummaries(t, stack.WaitMessages(t, invSummaryTo, 1, fwdSettle))
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Clean(path), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func bareAddress(field string) string {
	field = strings.TrimSpace(field)
	if i := strings.LastIndexByte(field, '<'); i >= 0 {
		return strings.TrimSuffix(field[i+1:], ">")
	}
	return field
}

// setDeadline sets the invitation's deadline as an admin would: a firm one.
func setDeadline(t *testing.T, dsn string, deadline time.Time) {
	t.Helper()
	withStore(t, dsn, func(ctx context.Context, st *queue.Store) error {
		list, err := st.ListInvitations(ctx, queue.InvitationFilter{})
		if err != nil || len(list) != 1 {
			return fmt.Errorf("invitations %+v, %v; want one", list, err)
		}
		return st.SetInvitationDeadline(ctx, list[0].ID, deadline, "e2e admin")
	})
}

func checkHolds(t *testing.T, stack *mailstack.Stack, addr string, want int, when string) {
	t.Helper()
	if got := stack.Messages(t, addr); len(got) != want {
		t.Fatalf("%s: %s holds %d messages, want %d:\n%s", when, addr, len(got), want, subjects(got))
	}
}

// checkE2EReminder: the reminder is in the copy's thread, with the copy's
// very Reply-To (both clocks are the machine's here).
func checkE2EReminder(t *testing.T, raw []byte, copyReplyTo string) {
	t.Helper()
	h := fwdParse(t, raw).Header
	subject, _ := h.Subject()
	irt, _ := h.MsgIDList("In-Reply-To")
	if subject != "Reminder: Invitation to the consultation" || len(irt) != 1 || irt[0] != invID {
		t.Errorf("reminder subject %q, In-Reply-To %v", subject, irt)
	}
	if got := h.Get("Reply-To"); bareAddress(got) != bareAddress(copyReplyTo) {
		t.Errorf("reminder Reply-To %q, want the copy's %q", got, copyReplyTo)
	}
}

// checkE2ESummaries: each summary is text and HTML about the invitation,
// and no slot's summary came twice.
func checkE2ESummaries(t *testing.T, msgs [][]byte) {
	t.Helper()
	seen := map[string]bool{}
	for _, raw := range msgs {
		r := fwdParse(t, raw)
		id, _ := r.Header.MessageID()
		if seen[id] {
			t.Errorf("summary %s came twice", id)
		}
		seen[id] = true
		var types []string
		for {
			p, err := r.NextPart()
			if err != nil {
				break
			}
			ct, _, _ := p.Header.(interface {
				ContentType() (string, map[string]string, error)
			}).ContentType()
			body, _ := io.ReadAll(p.Body)
			if !bytes.Contains(body, []byte("Invitation to the consultation")) {
				t.Errorf("summary part %s does not list the invitation:\n%s", ct, body)
			}
			types = append(types, ct)
		}
		if strings.Join(types, ",") != "text/plain,text/html" {
			t.Errorf("summary parts %v, want text/plain then text/html", types)
		}
	}
}
