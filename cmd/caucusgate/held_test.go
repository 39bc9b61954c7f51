package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
)

// cliWorld is an in-process mail world and a config whose rules are src.
func cliWorld(t *testing.T, src string, messages ...string) (*mailsim.World, string) {
	t.Helper()
	return cliWorldWith(t, mailsim.Options{}, src, messages...)
}

// cliWorldWith is cliWorld with servers set up by opts.
func cliWorldWith(t *testing.T, opts mailsim.Options, src string, messages ...string) (*mailsim.World, string) {
	t.Helper()
	opts.Users = append(opts.Users, "bureau@example.org")
	world, err := mailsim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { world.Close() })
	for _, m := range messages {
		if err := world.Append("bureau@example.org", "INBOX", []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "caucusgate.yaml")
	write(t, config, fmt.Sprintf("store: %s\naccounts:\n  - name: bureau\n    imap: imap://%s\n    username: bureau@example.org\n"+
		"    password_env: CLI_PASSWORD\n    address: bureau@example.org\n    start: all\nrelay:\n  url: smtp://%s\n",
		filepath.Join(dir, "cli.db"), world.IMAPAddr, world.SMTPAddr))
	write(t, filepath.Join(dir, "rules.yaml"), src)
	t.Setenv("CLI_PASSWORD", mailsim.Password)
	return world, config
}

const heldRules = `caucuses:
  - {id: gender, name: Gender Caucus, address: gender@example.net}
bureau:
  moderators: [mod@example.org]
rules:
  - name: hold-everything
    when: {from: "*"}
    hold: true
  - name: then-gender
    when: {from: "*"}
    forward: [gender]
`

type heldLine struct {
	ID        int64  `json:"id"`
	MessageID string `json:"message_id"`
	From      string `json:"from"`
	Subject   string `json:"subject"`
	Rule      string `json:"rule"`
	Reason    string `json:"reason"`
	HeldAt    string `json:"held_at"`
	State     string `json:"state"`
}

func heldList(t *testing.T, config string) []heldLine {
	t.Helper()
	status, stdout, stderr := runCLI(t, "held", "-config", config, "list", "-json")
	if status != 0 {
		t.Fatalf("held list: %d %s", status, stderr)
	}
	var out []heldLine
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if line == "" {
			continue
		}
		var h heldLine
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, h)
	}
	return out
}

func TestHeldListApproveReject(t *testing.T) {
	msg := func(n int) string {
		return fmt.Sprintf("From: someone@ngo.example\r\nSubject: Consultation %d\r\nMessage-ID: <h%d@ngo.example>\r\n\r\nbody\r\n", n, n)
	}
	world, config := cliWorld(t, heldRules, msg(1), msg(2))
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: %d %s", status, stderr)
	}
	held := heldList(t, config)
	if len(held) != 2 {
		t.Fatalf("held list: %+v, want 2", held)
	}
	h := held[0]
	if h.MessageID != "<h1@ngo.example>" || h.From != "someone@ngo.example" ||
		h.Subject != "Consultation 1" || h.Rule != "hold-everything" || h.Reason == "" || h.HeldAt == "" {
		t.Fatalf("held line %+v", h)
	}
	if status, out, stderr := runCLI(t, "held", "-config", config, "approve", fmt.Sprint(h.ID)); status != 0 {
		t.Fatalf("approve: %d %s %s", status, out, stderr)
	}
	if status, _, _ := runCLI(t, "held", "-config", config, "approve", fmt.Sprint(h.ID)); status != 1 {
		t.Fatalf("a second approval: status %d, want 1", status)
	}
	if status, _, stderr := runCLI(t, "held", "-config", config, "reject", fmt.Sprint(held[1].ID), "-reason", "off topic"); status != 0 {
		t.Fatalf("reject: %d %s", status, stderr)
	}
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once after approval: %d %s", status, stderr)
	}
	var toGender int
	for _, r := range world.Received() {
		if r.To[0] == "gender@example.net" {
			toGender++
			if !strings.Contains(string(r.Data), "Consultation 1") {
				t.Errorf("the rejected message was forwarded:\n%s", r.Data)
			}
		}
	}
	if toGender != 1 {
		t.Fatalf("gender got %d copies, want the approved message once", toGender)
	}
	if left := heldList(t, config); len(left) != 0 {
		t.Fatalf("still held: %+v", left)
	}
}

func TestScheduleList(t *testing.T) {
	_, config := cliWorld(t, `caucuses:
  - {id: gender, name: Gender Caucus, address: gender@example.net}
replies:
  schedule: "CRON_TZ=Europe/Zurich 0 17 * * *"
`)
	status, stdout, stderr := runCLI(t, "schedule", "-config", config, "list", "-json")
	if status != 0 {
		t.Fatalf("schedule list: %d %s", status, stderr)
	}
	var l scheduleLine
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &l); err != nil {
		t.Fatalf("%q: %v", stdout, err)
	}
	zurich, _ := time.LoadLocation("Europe/Zurich")
	next := l.NextRun.In(zurich)
	if l.Spec != "CRON_TZ=Europe/Zurich 0 17 * * *" || next.Hour() != 17 || next.Minute() != 0 || !next.After(time.Now()) ||
		len(l.Used) != 1 || l.Used[0] != "replies" {
		t.Fatalf("schedule line %+v", l)
	}
}

// TestHeldRepliesReview: with replies.review, a caucus reply waits for a
// focal point: `held replies` lists it, `held release` sends it on.
func TestHeldRepliesReview(t *testing.T) {
	inv := "From: events@itu.int\r\nSubject: Invitation\r\nMessage-ID: <rv@itu.int>\r\n\r\nbody\r\n"
	world, config := cliWorld(t, "caucuses:\n  - {id: gender, name: Gender Caucus, address: gender@example.net}\n"+
		"rules:\n  - name: itu\n    when: {from: \"*@itu.int\"}\n    forward: [gender]\nreplies:\n  review: true\n", inv)
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: %d %s", status, stderr)
	}
	replyTo := ""
	for _, r := range world.Received() {
		replyTo = strings.Trim(headerOf(r.Data)["Reply-To"], "<>")
	}
	answer := "From: gina@example.net\r\nTo: " + replyTo + "\r\nSubject: Re: Invitation\r\nMessage-ID: <ans@example.net>\r\n\r\nWe come.\r\n"
	if err := world.Append("bureau@example.org", "INBOX", []byte(answer)); err != nil {
		t.Fatal(err)
	}
	runCLI(t, "run", "-config", config, "-once")
	if n := countTo(world, "events@itu.int"); n != 0 {
		t.Fatalf("a reply under review was relayed %d times", n)
	}
	status, stdout, _ := runCLI(t, "held", "-config", config, "replies", "-json")
	var item struct {
		ID          int64  `json:"id"`
		Destination string `json:"destination"`
	}
	if status != 0 || json.Unmarshal([]byte(strings.TrimSpace(stdout)), &item) != nil || item.Destination != "events@itu.int" {
		t.Fatalf("held replies: %d %q", status, stdout)
	}
	if status, _, stderr := runCLI(t, "held", "-config", config, "release", fmt.Sprint(item.ID)); status != 0 {
		t.Fatalf("release: %d %s", status, stderr)
	}
	runCLI(t, "run", "-config", config, "-once")
	if n := countTo(world, "events@itu.int"); n != 1 {
		t.Fatalf("after release the inviter got %d, want 1", n)
	}
}

func countTo(world *mailsim.World, addr string) int {
	n := 0
	for _, r := range world.Received() {
		if r.To[0] == addr {
			n++
		}
	}
	return n
}
