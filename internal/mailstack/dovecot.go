package mailstack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"
)

// startBudget bounds how long a server may take to listen after start.
const startBudget = 20 * time.Second

// dovecotConf is a complete dovecot.conf: nothing is read from /etc/dovecot.
// Facts that make it work as root: login processes refuse to run as root
// (default_login_user), mail is stored as the mail user (uid 8, hence
// first_valid_uid), and every address is a user (allow_all_users) so that
// forwards to any caucus address land somewhere a test can read. The
// hierarchy separator is "/", as on Exchange and Gmail, rather than
// Maildir++'s ".".
const dovecotConf = `# written by caucusgate internal/mailstack
base_dir = {{.Dir}}/run/dovecot
state_dir = {{.Dir}}/run/dovecot-state
log_path = {{.Dir}}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Lu
recipient_delimiter = +
mail_location = maildir:{{.Dir}}/mail/%u/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
mail_uid = mail
mail_gid = mail
first_valid_uid = 8
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{.Dir}}/users
}
userdb {
  driver = static
  args = uid=mail gid=mail home={{.Dir}}/mail/%u allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {{.IMAPPort}}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = {{.LMTPPort}}
  }
}
protocol imap {
  mail_max_userip_connections = 1000
}
protocol lmtp {
  postmaster_address = postmaster@{{.Domain}}
}
`

// dovecotParams fills dovecotConf.
type dovecotParams struct {
	Dir, Domain        string
	IMAPPort, LMTPPort int
}

// writeDovecotConfig writes dovecot.conf and the passwd-file of users.
func (s *Stack) writeDovecotConfig() error {
	var users strings.Builder
	for _, u := range s.users {
		fmt.Fprintf(&users, "%s:{PLAIN}%s\n", u, s.Password)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "users"), []byte(users.String()), 0o644); err != nil {
		return fmt.Errorf("write dovecot users: %w", err)
	}
	var conf strings.Builder
	p := dovecotParams{Dir: s.Dir, Domain: Domain, IMAPPort: s.imapPort, LMTPPort: s.lmtpPort}
	tmpl := template.Must(template.New("dovecot.conf").Parse(dovecotConf))
	if err := tmpl.Execute(&conf, p); err != nil {
		return fmt.Errorf("render dovecot.conf: %w", err)
	}
	if err := os.WriteFile(s.dovecotConfPath(), []byte(conf.String()), 0o644); err != nil {
		return fmt.Errorf("write dovecot.conf: %w", err)
	}
	return nil
}

func (s *Stack) dovecotConfPath() string { return filepath.Join(s.Dir, "dovecot.conf") }

// startDovecot starts Dovecot in the foreground and waits for its listeners.
func (s *Stack) startDovecot() error {
	d, err := startDaemon("dovecot", filepath.Join(s.Dir, "dovecot.out"),
		dovecotBin, "-F", "-c", s.dovecotConfPath())
	if err != nil {
		return err
	}
	s.dovecot = d
	s.writePids()
	for _, addr := range []string{s.IMAPAddr, s.LMTPAddr} {
		if err := waitListening(addr, d.exited, startBudget); err != nil {
			return fmt.Errorf("start dovecot: %w", err)
		}
	}
	return nil
}

// stopDovecot stops Dovecot and waits until its ports are free again.
func (s *Stack) stopDovecot() error {
	if s.dovecot == nil {
		return nil
	}
	err := s.dovecot.stop()
	s.dovecot = nil
	s.writePids()
	for _, addr := range []string{s.IMAPAddr, s.LMTPAddr} {
		if werr := waitRefused(addr, stopGrace); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// StopDovecot stops Dovecot (IMAP and LMTP); Postfix keeps running and
// defers what it cannot deliver meanwhile. A delivery in flight may have
// been saved already when LMTP answers 421 to Postfix, which then delivers
// it again: call WaitPostfixIdle first where a duplicate would matter.
func (s *Stack) StopDovecot(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.stopDovecot(); err != nil {
		t.Fatalf("mailstack: %v", err)
	}
}

// StartDovecot starts Dovecot again on the same ports, then asks Postfix to
// deliver at once what it deferred while Dovecot was down.
func (s *Stack) StartDovecot(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dovecot != nil {
		t.Fatalf("mailstack: start dovecot: already running")
	}
	if err := s.startDovecot(); err != nil {
		t.Fatalf("mailstack: %v\n%s", err, s.logTail("dovecot.log"))
	}
	if err := s.drainDeferred(10 * time.Second); err != nil {
		t.Fatalf("mailstack: %v", err)
	}
}

// drainDeferred flushes Postfix's queue until it is empty or budget runs
// out: mail deferred while Dovecot was down is delivered now. One flush is
// not enough: qmgr skips a message whose failed attempt it is still
// recording ("skipped, still being delivered"), and it would then wait for
// its next retry.
func (s *Stack) drainDeferred(budget time.Duration) error {
	deadline := time.Now().Add(budget)
	for {
		if err := s.flushPostfix(); err != nil {
			return err
		}
		n, err := s.queued()
		if err != nil || n == 0 || time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// RestartDovecot stops and starts Dovecot; the ports stay the same, and
// every IMAP connection open before is dropped.
func (s *Stack) RestartDovecot(t testing.TB) {
	t.Helper()
	s.StopDovecot(t)
	s.StartDovecot(t)
}
