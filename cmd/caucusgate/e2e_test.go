package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"caucusgate/internal/e2ehelp"
	"caucusgate/internal/mailstack"
	"caucusgate/queue/queuetest"
)

// The real-server suite: the built binary, as users run it, against Dovecot
// and Postfix started by internal/mailstack, on SQLite and PostgreSQL.

const e2eRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: gender@example.org
  - id: education
    name: Education Caucus
    address: education@example.org
rules:
  - name: itu-invitations
    when: {from: "*@itu.int", subject: "(?i)invitation"}
    forward: [gender, education]
`

var e2eCaucuses = []string{"gender@example.org", "education@example.org"}

// e2eStores are the stores the real-server suite runs on: SQLite, and the
// machine's PostgreSQL, which the suite requires (a missing server fails).
func e2eStores(t *testing.T) []queuetest.Backend {
	if os.Getenv(queuetest.EnvPostgres) == "" {
		t.Fatalf("the real-server suite needs PostgreSQL: set %s (scripts/e2e does)", queuetest.EnvPostgres)
	}
	return []queuetest.Backend{{Name: "sqlite", DSN: queuetest.SQLite(t)}, {Name: "postgres", DSN: queuetest.Postgres(t)}}
}

// write writes a file of a test's, such as a config or rules file.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestE2EForwardOnceThroughDovecotAndPostfix(t *testing.T) {
	mailstack.Required(t)
	for _, backend := range e2eStores(t) {
		t.Run(backend.Name, func(t *testing.T) {
			stack := e2ehelp.StartStack(t)
			const n = 120
			for i := range n {
				stack.Append(t, e2ehelp.Bureau, "INBOX", e2ehelp.Invitation(i))
			}
			config := e2ehelp.WriteConfig(t, stack, backend.DSN, e2eRules)
			e2ehelp.RunOnce(t, config)
			for _, caucus := range e2eCaucuses {
				got := e2ehelp.CopiesByMessageID(t, stack.WaitMessages(t, caucus, n, 2*time.Minute))
				for i := range n {
					if c := got[fmt.Sprintf("e2e-%d@itu.int", i)]; c != 1 {
						t.Errorf("%s: invitation %d arrived %d times, want once", caucus, i, c)
					}
				}
			}
			e2ehelp.RunOnce(t, config)
			stack.WaitPostfixIdle(t, time.Minute)
			for _, caucus := range e2eCaucuses {
				if got := len(stack.Messages(t, caucus)); got != n {
					t.Errorf("%s after a second run: %d messages, want %d", caucus, got, n)
				}
			}
			assertNothingSeen(t, stack)
		})
	}
}

func assertNothingSeen(t *testing.T, stack *mailstack.Stack) {
	t.Helper()
	flags := stack.Flags(t, e2ehelp.Bureau, "INBOX")
	if len(flags) == 0 {
		t.Fatal("the bureau's INBOX is empty: the gateway must leave mail where it was")
	}
	for uid, fs := range flags {
		for _, f := range fs {
			if strings.EqualFold(f, `\Seen`) {
				t.Errorf("bureau message UID %d got \\Seen", uid)
			}
		}
	}
}

// TestE2EKillNineLosesNothing kills the daemon three times while it
// delivers, then finishes with run -once: every invitation reaches every
// caucus, and the only repeats are deliveries in flight at a kill.
func TestE2EKillNineLosesNothing(t *testing.T) {
	mailstack.Required(t)
	stack := e2ehelp.StartStack(t)
	const n = 300
	for i := range n {
		stack.Append(t, e2ehelp.Bureau, "INBOX", e2ehelp.Invitation(i))
	}
	config := e2ehelp.WriteConfig(t, stack, queuetest.SQLite(t), e2eRules)
	const kills = 3
	for k := 1; k <= kills; k++ {
		killDuringDelivery(t, stack, config, k*len(e2eCaucuses)*n/(kills+1))
	}
	e2ehelp.RunOnce(t, config)
	stack.WaitPostfixIdle(t, time.Minute)
	const inFlightBound = 4 // one per relay session: what the daemon can have in flight at a kill
	for _, caucus := range e2eCaucuses {
		got := e2ehelp.CopiesByMessageID(t, stack.Messages(t, caucus))
		duplicates := 0
		for i := range n {
			c := got[fmt.Sprintf("e2e-%d@itu.int", i)]
			if c == 0 {
				t.Errorf("%s: invitation %d lost", caucus, i)
			}
			duplicates += max(c-1, 0)
		}
		t.Logf("%s: %d duplicates after %d kills", caucus, duplicates, kills)
		if duplicates > kills*inFlightBound {
			t.Errorf("%s: %d duplicates, more than the %d deliveries that can be in flight at %d kills", caucus, duplicates, kills*inFlightBound, kills)
		}
	}
}

// killDuringDelivery starts the daemon and kills it with SIGKILL once the
// caucuses hold at least `delivered` copies in all.
func killDuringDelivery(t *testing.T, stack *mailstack.Stack, config string, delivered int) {
	t.Helper()
	cmd := e2ehelp.Command(t, "run", "-config", config)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for total(t, stack) < delivered && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	t.Logf("killed the daemon at %d delivered copies (target %d)", total(t, stack), delivered)
}

func total(t *testing.T, stack *mailstack.Stack) int {
	n := 0
	for _, caucus := range e2eCaucuses {
		n += len(stack.Messages(t, caucus))
	}
	return n
}

// TestE2EDovecotRestartWhileIdling restarts Dovecot under the running
// daemon: it reconnects and forwards what arrived meanwhile.
func TestE2EDovecotRestartWhileIdling(t *testing.T) {
	mailstack.Required(t)
	stack := e2ehelp.StartStack(t)
	stack.Append(t, e2ehelp.Bureau, "INBOX", e2ehelp.Invitation(1))
	config := e2ehelp.WriteConfig(t, stack, queuetest.SQLite(t), e2eRules)
	cmd := e2ehelp.Command(t, "run", "-config", config)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("daemon output:\n%s", e2ehelp.Tail(out.String(), 60))
		}
	}()
	stack.WaitMessages(t, "gender@example.org", 1, time.Minute)
	stack.RestartDovecot(t)
	stack.SendSMTP(t, "events@itu.int", []string{e2ehelp.Bureau}, e2ehelp.Invitation(2))
	// Wait for e2e-2 itself, not for a count: a restart that kills Dovecot's
	// LMTP session after it saved e2e-1 but before it answered makes Postfix
	// deliver e2e-1 again, a repeat of the stack's own, not the daemon's.
	got := e2ehelp.CopiesByMessageID(t, stack.WaitMessages(t, "gender@example.org", 1, time.Minute))
	for deadline := time.Now().Add(2 * time.Minute); got["e2e-2@itu.int"] == 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		got = e2ehelp.CopiesByMessageID(t, stack.Messages(t, "gender@example.org"))
	}
	time.Sleep(time.Second) // a second copy of e2e-2, if the daemon sent one
	got = e2ehelp.CopiesByMessageID(t, stack.Messages(t, "gender@example.org"))
	if got["e2e-2@itu.int"] != 1 {
		t.Fatalf("after the restart: copies %v, want e2e-2 once", got)
	}
}

// TestE2EReplayLeavesDovecotMailboxUnchanged runs replay against Dovecot:
// the decisions come out, and the mailbox's messages and flags are as they
// were.
func TestE2EReplayLeavesDovecotMailboxUnchanged(t *testing.T) {
	mailstack.Required(t)
	stack := e2ehelp.StartStack(t)
	for i := range 5 {
		stack.Append(t, e2ehelp.Bureau, "INBOX", e2ehelp.Invitation(i))
	}
	before := stack.Flags(t, e2ehelp.Bureau, "INBOX")
	config := e2ehelp.WriteConfig(t, stack, queuetest.SQLite(t), e2eRules)
	cmd := e2ehelp.Command(t, "replay", "-config", config, "-account", "bureau", "-since", "0", "-json")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 5 {
		t.Fatalf("replay printed %d lines, want 5:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.Contains(l, `"decision":"forward"`) || !strings.Contains(l, `"caucuses":["education","gender"]`) {
			t.Errorf("replay line %s", l)
		}
	}
	after := stack.Flags(t, e2ehelp.Bureau, "INBOX")
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("flags changed by replay:\nbefore %v\nafter  %v", before, after)
	}
	if n := len(stack.Messages(t, "gender@example.org")); n != 0 {
		t.Errorf("replay forwarded %d messages", n)
	}
}
