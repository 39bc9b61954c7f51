package benchforward

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"caucusgate/internal/mailstack"
)

// Flags set by scripts/bench-forward.
var mailDir = flag.String("mail", "", "directory of .eml files to forward (scripts/genmail)")

const (
	bureau = "bureau@example.org"
	caucus = "caucus-gender@example.org"
	// budget bounds each forwarding run; it is a failure budget, the
	// measurement is what gets printed.
	budget = 30 * time.Minute
)

// TestForwardThroughput seeds a fresh stack's bureau INBOX with the
// messages for each tool, times the tool until every message has arrived
// in the caucus mailbox through Postfix, and prints messages per second.
func TestForwardThroughput(t *testing.T) {
	if *mailDir == "" {
		t.Skip("forwarding benchmark: run scripts/bench-forward")
	}
	mailstack.Required(t)
	msgs := readMail(t, *mailDir)
	for _, tool := range []struct {
		name    string
		forward func(t *testing.T, s *mailstack.Stack) error
	}{
		{"fetchmail", forwardFetchmail},
		{"caucusgate", forwardCaucusgate},
	} {
		t.Run(tool.name, func(t *testing.T) {
			s := mailstack.Start(t, mailstack.Options{Users: []string{bureau}})
			for _, m := range msgs {
				s.Append(t, bureau, "INBOX", m)
			}
			start := time.Now()
			if err := tool.forward(t, s); err != nil {
				fmt.Printf("%-10s not measured: %v\n", tool.name, err)
				return
			}
			s.WaitMessages(t, caucus, len(msgs), budget)
			elapsed := time.Since(start)
			fmt.Printf("%-10s %d messages in %v: %.1f messages/s\n",
				tool.name, len(msgs), elapsed.Round(time.Millisecond), float64(len(msgs))/elapsed.Seconds())
		})
	}
}

// readMail reads the .eml files of dir in name order.
func readMail(t *testing.T, dir string) [][]byte {
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no .eml files in %s (%v)", dir, err)
	}
	sort.Strings(names)
	msgs := make([][]byte, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
	}
	return msgs
}

// forwardFetchmail polls the bureau mailbox once with fetchmail, keeping
// the messages on the server, and hands each to Postfix for the caucus.
func forwardFetchmail(t *testing.T, s *mailstack.Stack) error {
	host, port, err := net.SplitHostPort(s.IMAPAddr)
	if err != nil {
		return err
	}
	rc := filepath.Join(t.TempDir(), "fetchmailrc")
	conf := fmt.Sprintf("set no bouncemail\n"+
		"poll %s service %s protocol IMAP auth password\n"+
		"  user %q there with password %q\n"+
		"  smtphost %s smtpname %q\n"+ // fetchmail writes host/port
		"  keep fetchall no rewrite sslproto ''\n",
		host, port, bureau, s.Password, strings.Replace(s.SMTPAddr, ":", "/", 1), caucus)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		return err
	}
	cmd := exec.Command("fetchmail", "-f", rc, "--nodetach", "--silent",
		"--pidfile", filepath.Join(filepath.Dir(rc), "pid"))
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(rc), "FETCHMAILHOME="+filepath.Dir(rc))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("fetchmail: %w: %s", err, out)
	}
	return nil
}

// forwardCaucusgate builds caucusgate and runs `caucusgate run -once`
// against the stack with a rule forwarding everything to the caucus: the
// same one-pass job fetchmail does, plus the store's bookkeeping.
func forwardCaucusgate(t *testing.T, s *mailstack.Stack) error {
	dir := t.TempDir()
	bin := filepath.Join(dir, "caucusgate")
	if out, err := exec.Command("go", "build", "-o", bin, "caucusgate/cmd/caucusgate").CombinedOutput(); err != nil {
		return fmt.Errorf("build caucusgate: %w: %s", err, out)
	}
	config := writeBenchConfig(t, dir, s)
	cmd := exec.Command(bin, "run", "-once", "-config", config)
	cmd.Env = append(os.Environ(), "BENCH_PASSWORD="+s.Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("caucusgate run -once: %w: %s", err, out)
	}
	return nil
}

// writeBenchConfig writes a config and a rule forwarding everything to the
// caucus, and returns the config's path.
func writeBenchConfig(t *testing.T, dir string, s *mailstack.Stack) string {
	t.Helper()
	config := fmt.Sprintf("store: caucusgate.db\n"+
		"accounts:\n  - name: bureau\n    imap: imap://%s\n    username: %s\n    password_env: BENCH_PASSWORD\n"+
		"    address: %s\n    start: all\n"+
		"relay:\n  url: smtp://%s\n  hostname: gateway.example.org\n"+
		"rules: rules.yaml\n", s.IMAPAddr, bureau, bureau, s.SMTPAddr)
	rules := fmt.Sprintf("caucuses:\n  - id: gender\n    name: Gender Caucus\n    address: %s\n"+
		"rules:\n  - name: everything\n    when: {from: \"*\"}\n    forward: [gender]\n", caucus)
	path := filepath.Join(dir, "caucusgate.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
