package mailstack

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Domain is the mail domain of the stack's own names (myhostname, the
// postmaster). Mail to any domain is delivered to Dovecot all the same.
const Domain = "example.org"

// Password is the IMAP password of every user of every stack.
const Password = "secret"

// startAttempts is how often Start picks new ports when another process
// took one of them between their choice and the servers' bind.
const startAttempts = 3

// Options say what a stack serves; the zero value serves bureau@example.org.
type Options struct {
	// Users may log in over IMAP (password [Password]). Default:
	// bureau@example.org. Mail is delivered to any address all the same.
	Users []string
	// RejectRecipients are accepted by Postfix, then bounced with 5.1.1
	// "User unknown" when delivered, so a delivery status notification
	// arrives in the envelope sender's mailbox, as it does from a real
	// relay for an unknown remote user.
	RejectRecipients []string
	// RefuseRecipients are refused by Postfix at RCPT TO with
	// "550 5.1.1": the SMTP client sees the permanent failure itself.
	RefuseRecipients []string
	// Routes send the mail of a domain to another LMTP server than
	// Dovecot: domain to host:port (a Mailman core, see [StartMailman]).
	Routes map[string]string
}

// Stack is a running Dovecot and Postfix pair on loopback.
type Stack struct {
	Dir                          string // the stack's directory: configuration, Maildirs, queue, logs
	IMAPAddr, SMTPAddr, LMTPAddr string // host:port on 127.0.0.1
	Password                     string // every user's IMAP password

	opts                         Options
	users                        []string
	imapPort, lmtpPort, smtpPort int
	postfixUID, postdropGID      int

	mu      sync.Mutex // guards the daemons against concurrent Stop/Start
	dovecot *daemon
	postfix *daemon
}

// Start starts a stack in a directory of its own with free loopback ports,
// and stops it when the test ends. It skips the test unless
// CAUCUSGATE_E2E=1 (see [Required]); a missing program is a failure that
// names the packages to install.
func Start(t testing.TB, opts Options) *Stack {
	t.Helper()
	Required(t)
	if err := checkInstalled(); err != nil {
		t.Fatalf("mailstack: %v", err)
	}
	s, err := startRetrying(t, opts)
	if err != nil {
		t.Fatalf("mailstack: %v", err)
	}
	t.Cleanup(func() { s.cleanup(t) })
	return s
}

// startRetrying starts a stack, on fresh ports again when another process
// took one of them between their choice and the servers' bind.
func startRetrying(t testing.TB, opts Options) (*Stack, error) {
	var err error
	for range startAttempts {
		var s *Stack
		if s, err = tryStart(t, opts); err == nil {
			return s, nil
		}
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	return nil, err
}

// tryStart starts a stack once; a failure carries the servers' logs, which
// say why (and whether a port was in use).
func tryStart(t testing.TB, opts Options) (*Stack, error) {
	s, err := newStack(t, opts)
	if err != nil {
		return nil, err
	}
	if err := s.start(); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\n%s\n%s", err, s.logTail("dovecot.log"), s.logTail("postfix.log"))
	}
	return s, nil
}

// newStack chooses ports and prepares the stack's directory.
func newStack(t testing.TB, opts Options) (*Stack, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	s := &Stack{
		Dir:      t.TempDir(),
		Password: Password,
		opts:     opts,
		users:    lowerAll(opts.Users),
		imapPort: ports[0], lmtpPort: ports[1], smtpPort: ports[2],
	}
	if len(s.users) == 0 {
		s.users = []string{"bureau@" + Domain}
	}
	s.IMAPAddr, s.LMTPAddr, s.SMTPAddr = loopback(ports[0]), loopback(ports[1]), loopback(ports[2])
	if err := s.prepareDir(); err != nil {
		return nil, err
	}
	return s, nil
}

// prepareDir creates the directory tree. The servers' unprivileged users
// must reach into it, but t.TempDir makes it and its parent private to root.
func (s *Stack) prepareDir() error {
	for _, d := range []string{filepath.Dir(s.Dir), s.Dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			return fmt.Errorf("open up %s: %w", d, err)
		}
	}
	for _, d := range []string{"run", "mail", "pf/conf", "pf/queue", "pf/data"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := chownTo(filepath.Join(s.Dir, "mail"), "mail"); err != nil {
		return err
	}
	var err error
	if s.postfixUID, err = lookupUID("postfix"); err != nil {
		return err
	}
	s.postdropGID, err = lookupGID("postdrop")
	return err
}

// start writes the configurations and starts both servers, Dovecot first
// so that Postfix can deliver from its first message on.
func (s *Stack) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writeDovecotConfig(); err != nil {
		return err
	}
	if err := s.writePostfixConfig(); err != nil {
		return err
	}
	if err := s.startDovecot(); err != nil {
		return err
	}
	return s.startPostfix()
}

// stop stops both servers and reports the first error.
func (s *Stack) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.stopPostfix(), s.stopDovecot())
}

// cleanup stops the stack at the end of the test, and shows the servers'
// logs when the test failed, since they usually say why.
func (s *Stack) cleanup(t testing.TB) {
	if err := s.stop(); err != nil {
		t.Errorf("mailstack: stop: %v", err)
	}
	if t.Failed() {
		t.Logf("mailstack: logs in %s (removed after the test)\n%s\n%s",
			s.Dir, s.logTail("dovecot.log"), s.logTail("postfix.log"))
	}
}

// writePids records the supervisors' process group ids in DIR/pids, for stopping a
// stack by hand should a test binary die in a way that skips cleanup.
func (s *Stack) writePids() {
	var b strings.Builder
	for _, d := range []*daemon{s.dovecot, s.postfix} {
		if d != nil {
			fmt.Fprintf(&b, "%s %d\n", d.name, d.pid())
		}
	}
	os.WriteFile(filepath.Join(s.Dir, "pids"), []byte(b.String()), 0o644)
}

// logTail returns the last lines of one of the stack's logs, for failure
// messages.
func (s *Stack) logTail(name string) string {
	const maxLines = 40
	b, err := os.ReadFile(filepath.Join(s.Dir, name))
	if err != nil {
		return fmt.Sprintf("(no %s: %v)", name, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return "--- " + name + " ---\n" + strings.Join(lines, "\n")
}

func lowerAll(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		out = append(out, strings.ToLower(s))
	}
	return out
}

func lookupUID(name string) (int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, fmt.Errorf("look up user %s: %w", name, err)
	}
	return strconv.Atoi(u.Uid)
}

func lookupGID(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("look up group %s: %w", name, err)
	}
	return strconv.Atoi(g.Gid)
}

// chownTo gives path to the named user and that user's primary group.
func chownTo(path, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("look up user %s: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("chown %s to %s: %w", path, name, err)
	}
	return nil
}
