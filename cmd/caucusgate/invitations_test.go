package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
)

const invitationRules = "caucuses:\n  - {id: gender, name: Gender Caucus, address: gender@example.net}\n" +
	"  - {id: education, name: Education Caucus, address: education@example.net}\n" +
	"rules:\n  - name: itu\n    when: {from: \"*@itu.int\"}\n    forward: [gender, education]\n"

const invitationMail = "From: events@itu.int\r\nTo: bureau@example.org\r\nSubject: Invitation to the forum\r\n" +
	"Message-ID: <inv1@itu.int>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n" +
	"The forum will be held in Geneva on 2 March 2027.\r\nDeadline for registration: 15 January 2027.\r\n"

// invitationLine is what scripts read of `invitations list -json`
// (CONTRACT.md): every field named there.
type invitationLine struct {
	ID             int64   `json:"id"`
	MessageID      string  `json:"message_id"`
	Subject        string  `json:"subject"`
	Inviter        string  `json:"inviter"`
	Received       string  `json:"received"`
	Deadline       *string `json:"deadline"`
	DeadlineSource string  `json:"deadline_source"`
	Event          *string `json:"event"`
	EventSource    string  `json:"event_source"`
	NoticeDays     *int    `json:"notice_days"`
	State          string  `json:"state"`
	Caucuses       []struct {
		ID         string   `json:"id"`
		Delivered  bool     `json:"delivered"`
		Failed     bool     `json:"failed"`
		Answers    int      `json:"answers"`
		LastAnswer *string  `json:"last_answer"`
		Reminded   []string `json:"reminded"`
	} `json:"caucuses"`
}

func invitationsList(t *testing.T, config string, flags ...string) []invitationLine {
	t.Helper()
	status, stdout, stderr := runCLI(t, append([]string{"invitations", "-config", config, "list", "-json"}, flags...)...)
	if status != 0 {
		t.Fatalf("invitations list: status %d %s", status, stderr)
	}
	var out []invitationLine
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if l == "" {
			continue
		}
		var v invitationLine
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		out = append(out, v)
	}
	return out
}

func TestInvitationsCommand(t *testing.T) {
	_, config := cliWorldWith(t, mailsim.Options{}, invitationRules, invitationMail)
	appendConfig(t, config, "invitations:\n  zone: Europe/Zurich\n  short_notice: 30d\n")
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: status %d %s", status, stderr)
	}
	list := invitationsList(t, config)
	if len(list) != 1 {
		t.Fatalf("%d invitations, want 1", len(list))
	}
	v := list[0]
	if v.MessageID != "<inv1@itu.int>" || v.Inviter != "events@itu.int" || v.State != "open" ||
		v.Deadline == nil || *v.Deadline != "2027-01-15T00:00:00+01:00" || v.DeadlineSource != "text" ||
		v.Event == nil || v.EventSource != "text" || v.NoticeDays == nil || len(v.Caucuses) != 2 {
		t.Fatalf("invitation %+v", v)
	}
	for _, c := range v.Caucuses {
		if !c.Delivered || c.Failed || c.Answers != 0 || c.LastAnswer != nil || c.Reminded == nil {
			t.Errorf("caucus %+v", c)
		}
	}
	id := fmt.Sprint(v.ID)
	if status, out, stderr := runCLI(t, "invitations", "-config", config, "deadline", id, "2027-01-10"); status != 0 {
		t.Fatalf("deadline: %d %s %s", status, out, stderr)
	}
	if v := invitationsList(t, config)[0]; *v.Deadline != "2027-01-10T00:00:00+01:00" || v.DeadlineSource != "admin" {
		t.Errorf("after deadline: %s from %s", *v.Deadline, v.DeadlineSource)
	}
	if status, _, stderr := runCLI(t, "invitations", "-config", config, "close", id); status != 0 {
		t.Fatalf("close: %d %s", status, stderr)
	}
	if open := invitationsList(t, config, "-open"); len(open) != 0 {
		t.Errorf("-open lists a closed invitation: %+v", open)
	}
	status, out, _ := runCLI(t, "invitations", "show", id, "-config", config)
	if status != 0 || !strings.Contains(out, "state:      closed") || !strings.Contains(out, "delivered") || !strings.Contains(out, "close") {
		t.Errorf("show: %d\n%s", status, out)
	}
	if status, _, _ := runCLI(t, "invitations", "-config", config, "close", "999"); status != 1 {
		t.Errorf("close of no invitation: status %d, want 1", status)
	}
	if status, _, _ := runCLI(t, "invitations", "-config", config, "deadline", id, "15/01/2027"); status != 2 {
		t.Errorf("a bad date: status %d, want 2", status)
	}
}

func appendConfig(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func TestCheckInvitationsKeys(t *testing.T) {
	_, config := cliWorldWith(t, mailsim.Options{}, invitationRules)
	appendConfig(t, config, "invitations:\n  zone: Europe/Genva\n  short_notice: soon\n")
	status, stdout, stderr := runCLI(t, "check", "-config", config)
	out := stdout + stderr
	if status != 2 || !strings.Contains(out, "invitations.zone") || !strings.Contains(out, "Europe/Genva") {
		t.Fatalf("check: status %d, want 2 naming invitations.zone:\n%s", status, out)
	}
}

func TestInvitationsShowJSON(t *testing.T) {
	_, config := cliWorldWith(t, mailsim.Options{}, invitationRules, invitationMail)
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: status %d %s", status, stderr)
	}
	id := fmt.Sprint(invitationsList(t, config)[0].ID)
	status, out, stderr := runCLI(t, "invitations", "show", id, "-json", "-config", config)
	if status != 0 {
		t.Fatalf("show -json: %d %s", status, stderr)
	}
	var v struct {
		invitationLine
		Timeline []struct {
			What   string `json:"what"`
			Caucus string `json:"caucus"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	seen := map[string]int{}
	for _, e := range v.Timeline {
		seen[e.What]++
	}
	if v.MessageID != "<inv1@itu.int>" || seen["received"] != 1 || seen["forwarded"] != 2 || seen["delivered"] != 2 {
		t.Errorf("show -json: %s", out)
	}
}
