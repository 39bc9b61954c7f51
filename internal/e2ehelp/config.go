package e2ehelp

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"caucusgate/internal/mailstack"
)

// Config is a config file for the built binary: the bureau's account on an
// IMAP server, a relay, a store, and the rules file beside it.
type Config struct {
	Store    string // SQLite path or PostgreSQL DSN
	IMAPAddr string // HOST:PORT, plain IMAP upgraded with STARTTLS when offered
	SMTPAddr string // the relay's HOST:PORT
	Rules    string // the rules file's text
	Extra    string // more top-level keys, as YAML (listen:, admin:...)
}

// ForStack is a config that reads the bureau's mail from stack's Dovecot
// and relays through its Postfix.
func ForStack(stack *mailstack.Stack, store, rules string) Config {
	return Config{Store: store, IMAPAddr: stack.IMAPAddr, SMTPAddr: stack.SMTPAddr, Rules: rules}
}

// WriteConfig writes [ForStack]'s config in a folder of the test's own and
// returns the config file's path.
func WriteConfig(t testing.TB, stack *mailstack.Stack, store, rules string) string {
	t.Helper()
	return ForStack(stack, store, rules).Write(t, t.TempDir())
}

// Write writes the config as dir/caucusgate.yaml, its rules as
// dir/rules.yaml, and returns the config file's path.
func (c Config) Write(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "caucusgate.yaml")
	writeFile(t, filepath.Join(dir, "rules.yaml"), c.Rules)
	writeFile(t, path, c.text())
	return path
}

func (c Config) text() string {
	return fmt.Sprintf(`store: %q
accounts:
  - name: bureau
    imap: imap://%s
    username: %s
    password_env: %s
    address: %s
    start: all
    poll_interval: 2s
relay:
  url: smtp://%s
  hostname: gateway.example.org
rules: rules.yaml
`, c.Store, c.IMAPAddr, Bureau, PasswordEnv, Bureau, c.SMTPAddr) + c.Extra
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
