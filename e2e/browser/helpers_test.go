package browser

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-message/mail"

	"caucusgate/internal/mailstack"
)

// The helpers the browser test shares with cmd/caucusgate's real-server
// suite, which lives in package main and cannot be imported.

// fwdAccount is the bureau's address.
const fwdAccount = "bureau@example.org"

var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

// binary builds caucusgate once per test run, in the repository's root.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "caucusgate-browser-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtPath = filepath.Join(dir, "caucusgate")
		root, err := filepath.Abs("../..")
		if err != nil {
			buildErr = err
			return
		}
		// Built in the root module, as users build it: with its go.sum.
		build := exec.Command("go", "build", "-o", builtPath, "./cmd/caucusgate")
		build.Dir = root
		out, err := build.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtPath
}

func caucusgateCmd(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "E2E_BUREAU_PASSWORD="+mailstack.Password)
	return cmd
}

// fwdConfig writes a config for the stack with the test's rules and
// returns the config's path.
func fwdConfig(t *testing.T, stack *mailstack.Stack, store, rules string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`store: %q
accounts:
  - name: bureau
    imap: imap://%s
    username: bureau@example.org
    password_env: E2E_BUREAU_PASSWORD
    address: bureau@example.org
    start: all
    poll_interval: 2s
relay:
  url: smtp://%s
  hostname: gateway.example.org
rules: rules.yaml
`, store, stack.IMAPAddr, stack.SMTPAddr)
	write(t, filepath.Join(dir, "caucusgate.yaml"), cfg)
	write(t, filepath.Join(dir, "rules.yaml"), rules)
	return filepath.Join(dir, "caucusgate.yaml")
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// e2eInvitation is an invitation that no rule holds.
func e2eInvitation(i int) []byte {
	return []byte(fmt.Sprintf("From: ITU Events <events@itu.int>\r\nTo: bureau@example.org\r\n"+
		"Subject: Invitation %d to the consultation\r\nMessage-ID: <e2e-%d@itu.int>\r\n"+
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Dear bureau,\r\nyou are invited (%d).\r\n", i, i, i))
}

// copiesByMessageID counts the copies a mailbox got, by Message-ID.
func copiesByMessageID(t *testing.T, msgs [][]byte) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, m := range msgs {
		r, err := mail.CreateReader(bytes.NewReader(m))
		if err != nil {
			t.Fatalf("delivered copy does not parse: %v", err)
		}
		id, _ := r.Header.MessageID()
		counts[id]++
	}
	return counts
}
