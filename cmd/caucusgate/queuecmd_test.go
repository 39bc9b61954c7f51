package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"caucusgate/gateway/mailsim"
)

// TestQueueListRetryCancel runs one pass in which the relay refuses one
// copy for good, then works the queue from the command line.
func TestQueueListRetryCancel(t *testing.T) {
	reject := func(_, to string) error {
		if to == "gender@example.net" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such list"}
		}
		return nil
	}
	_, config := cliWorldWith(t, mailsim.Options{Reject: reject},
		"caucuses:\n  - {id: gender, name: Gender Caucus, address: gender@example.net}\n"+
			"rules:\n  - name: itu\n    when: {from: \"*@itu.int\"}\n    forward: [gender]\n",
		"From: events@itu.int\r\nTo: bureau@example.org\r\nSubject: Invitation\r\nMessage-ID: <q1@itu.int>\r\n\r\nbody\r\n")

	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 1 || !strings.Contains(stderr, "failed permanently") {
		t.Fatalf("run -once: status %d, stderr %s; want 1 and the permanent failure reported", status, stderr)
	}
	d := queueListOne(t, config)
	if d.State != "failed" || d.Attempts != 1 || !strings.Contains(d.LastError, "550") || d.MessageID == "" {
		t.Fatalf("after the 550: %+v", d)
	}
	if status, out, stderr := runCLI(t, "queue", "-config", config, "retry", fmt.Sprint(d.ID)); status != 0 {
		t.Fatalf("retry: status %d %s %s", status, out, stderr)
	}
	if d := queueListOne(t, config); d.State != "pending" {
		t.Fatalf("after retry: state %s, want pending", d.State)
	}
	if status, _, stderr := runCLI(t, "queue", "-config", config, "cancel", fmt.Sprint(d.ID)); status != 0 {
		t.Fatalf("cancel: status %d %s", status, stderr)
	}
	if d := queueListOne(t, config); d.State != "cancelled" {
		t.Fatalf("after cancel: state %s, want cancelled", d.State)
	}
	if status, _, _ := runCLI(t, "queue", "-config", config, "retry", "999"); status != 1 {
		t.Fatalf("retry of an unknown delivery: status %d, want 1", status)
	}
}

type queueLine struct {
	ID        int64  `json:"id"`
	State     string `json:"state"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
	MessageID string `json:"message_id"`
}

func queueListOne(t *testing.T, config string) queueLine {
	t.Helper()
	status, stdout, stderr := runCLI(t, "queue", "-config", config, "list", "-json")
	if status != 0 {
		t.Fatalf("queue list: status %d %s", status, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 1 {
		t.Fatalf("queue list: %d lines, want 1:\n%s", len(lines), stdout)
	}
	var l queueLine
	if err := json.Unmarshal([]byte(lines[0]), &l); err != nil {
		t.Fatal(err)
	}
	return l
}
