package mailstack

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A Mailman 3 core (Debian's mailman3 package) beside a stack: its LMTP
// server takes the mail of [ListDomain] from the stack's Postfix, and it
// sends what it distributes back through that Postfix, which delivers it to
// Dovecot like any other mail. Only the core runs (no Postorius, no
// HyperKitty); lists are made and configured over its REST API.

// ListDomain is the mail domain of the Mailman lists: Postfix hands every
// address in it (LIST@, LIST-bounces+...@, LIST-request@) to Mailman.
const ListDomain = "lists.example.org"

// Programs of Debian's mailman3 package. Its /usr/bin/mailman refuses root
// without --run-as-root; the master(8)-like watcher does not, and the
// harness talks to the core over REST only.
const (
	mailmanPython  = "/usr/bin/python3"
	mailmanMaster  = "/usr/lib/mailman3/bin/master"
	mailmanBinDir  = "/usr/lib/mailman3/bin"
	mailmanInstall = "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mailman3 dbconfig-no-thanks"
)

// mailmanStartBudget bounds how long the core may take to answer REST. It
// starts a Python process per runner: on two busy cores, over a minute.
const mailmanStartBudget = 5 * time.Minute

// mailmanStopGrace is how long the core gets to stop: its watcher waits
// for every runner, each a Python process that finishes its current pass
// first; on two busy cores that took over 10 seconds.
const mailmanStopGrace = time.Minute

// mailmanRESTUser and mailmanRESTPassword are the REST API's credentials;
// it listens on loopback only.
const (
	mailmanRESTUser     = "restadmin"
	mailmanRESTPassword = "restpass"
)

// mailmanCfg is the core's configuration. Runners the harness never needs
// (archives, NNTP, digests, email commands, retries, periodic tasks) stay
// off, which halves the start on a loaded machine. No archiver is
// enabled. DMARC mitigation is per list and off by default, so the core
// makes no DNS look-ups.
const mailmanCfg = `# written by caucusgate internal/mailstack
[mailman]
layout: harness
site_owner: postmaster@{{.Domain}}
[paths.harness]
var_dir: {{.Dir}}/var
bin_dir: {{.BinDir}}
pid_file: {{.Dir}}/var/master.pid
[webservice]
hostname: 127.0.0.1
port: {{.RESTPort}}
admin_user: {{.RESTUser}}
admin_pass: {{.RESTPassword}}
workers: 1
[mta]
incoming: mailman.mta.null.NullMTA
smtp_host: 127.0.0.1
smtp_port: {{.SMTPPort}}
lmtp_host: 127.0.0.1
lmtp_port: {{.LMTPPort}}
[runner.archive]
start: no
[runner.nntp]
start: no
[runner.digest]
start: no
[runner.command]
start: no
[runner.retry]
start: no
[runner.task]
start: no
`

// Mailman is a running Mailman 3 core on loopback.
type Mailman struct {
	Dir      string // configuration, var directory and logs
	LMTPAddr string // host:port of the core's LMTP server
	RESTURL  string // base URL of the REST API, version 3.1

	daemon *daemon
}

// mailmanParams fill mailmanCfg.
type mailmanParams struct {
	Dir, BinDir, Domain, RESTUser, RESTPassword string
	RESTPort, LMTPPort, SMTPPort                string
}

// StartWithMailman starts a stack whose Postfix hands the mail of
// [ListDomain] to a Mailman 3 core, and that core, and stops both when the
// test ends. It skips unless CAUCUSGATE_E2E=1; a missing mailman3 package
// fails the test with the command that installs it.
func StartWithMailman(t testing.TB, opts Options) (*Stack, *Mailman) {
	t.Helper()
	Required(t)
	if err := checkMailmanInstalled(); err != nil {
		t.Fatalf("mailstack: %v", err)
	}
	ports, err := freePorts(2)
	if err != nil {
		t.Fatalf("mailstack: %v", err)
	}
	m := &Mailman{LMTPAddr: loopback(ports[0]), RESTURL: fmt.Sprintf("http://%s/3.1", loopback(ports[1]))}
	opts.Routes = withRoute(opts.Routes, ListDomain, m.LMTPAddr)
	s := Start(t, opts)
	m.Dir = filepath.Join(s.Dir, "mailman")
	if err := m.start(s, ports[1]); err != nil {
		m.stop()
		t.Fatalf("mailstack: %v\n%s", err, m.logTail())
	}
	t.Cleanup(func() { m.cleanup(t) })
	return s, m
}

func withRoute(routes map[string]string, domain, addr string) map[string]string {
	out := map[string]string{domain: addr}
	for k, v := range routes {
		out[k] = v
	}
	return out
}

// checkMailmanInstalled reports a missing mailman3 package.
func checkMailmanInstalled() error {
	for _, p := range []string{mailmanPython, mailmanMaster} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("find %s (install with: %s): %w", p, mailmanInstall, err)
		}
	}
	return nil
}

// start writes the configuration, starts the watcher in the foreground
// under the harness's supervisor, and waits until REST answers.
func (m *Mailman) start(s *Stack, restPort int) error {
	if err := os.MkdirAll(filepath.Join(m.Dir, "var"), 0o755); err != nil {
		return fmt.Errorf("create mailman directory: %w", err)
	}
	p := mailmanParams{Dir: m.Dir, BinDir: mailmanBinDir, Domain: Domain,
		RESTUser: mailmanRESTUser, RESTPassword: mailmanRESTPassword,
		RESTPort: fmt.Sprint(restPort), LMTPPort: portOf(m.LMTPAddr), SMTPPort: portOf(s.SMTPAddr)}
	cfg := filepath.Join(m.Dir, "mailman.cfg")
	if err := renderFile(cfg, mailmanCfg, p); err != nil {
		return err
	}
	d, err := startDaemonIn(filepath.Join(m.Dir, "var"), "mailman", filepath.Join(m.Dir, "mailman.out"),
		[]string{"MAILMAN_VAR_DIR=" + filepath.Join(m.Dir, "var")},
		mailmanPython, mailmanMaster, "--force", "-C", cfg)
	if err != nil {
		return err
	}
	m.daemon = d
	if err := waitListening(m.LMTPAddr, d.exited, mailmanStartBudget); err != nil {
		return fmt.Errorf("start mailman lmtp: %w", err)
	}
	return m.waitREST(d.exited)
}

// startDaemonIn is startDaemon with a working directory and extra
// environment variables, as the core wants them.
func startDaemonIn(dir, name, outPath string, env []string, argv ...string) (*daemon, error) {
	return startDaemonWith(name, outPath, func(cmd *exec.Cmd) {
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
	}, argv...)
}

func portOf(addr string) string {
	return addr[strings.LastIndexByte(addr, ':')+1:]
}

// stop stops the watcher, which stops its runners.
func (m *Mailman) stop() error {
	if m.daemon == nil {
		return nil
	}
	err := m.daemon.stopWithin(mailmanStopGrace)
	m.daemon = nil
	return err
}

// cleanup stops the core at the end of the test, showing its logs when
// the test failed.
func (m *Mailman) cleanup(t testing.TB) {
	if err := m.stop(); err != nil {
		t.Errorf("mailstack: stop mailman: %v", err)
	}
	if t.Failed() {
		t.Logf("mailstack: mailman logs\n%s", m.logTail())
	}
}

// logTail is the end of the core's logs (its own, its SMTP log and the
// watcher's output), for failure messages.
func (m *Mailman) logTail() string {
	var b strings.Builder
	for _, name := range []string{"mailman.out", "var/logs/mailman.log", "var/logs/smtp.log", "var/logs/bounce.log"} {
		text, err := os.ReadFile(filepath.Join(m.Dir, name))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(text), "\n"), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		fmt.Fprintf(&b, "--- %s ---\n%s\n", name, strings.Join(lines, "\n"))
	}
	return b.String()
}
