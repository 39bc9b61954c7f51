package mailstack

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"
)

// postfixMainCf is the instance's main.cf. Every domain is delivered to
// Dovecot over LMTP (the transport table's "*"), so nothing ever leaves the
// machine, and retries are quick so that a test restarting Dovecot sees its
// mail delivered within seconds. smtpd_reject_unlisted_recipient = no lets
// smtpd accept the recipients the transport table sends to error:, which it
// would refuse at RCPT TO otherwise.
const postfixMainCf = `# written by caucusgate internal/mailstack
compatibility_level = 3.6
queue_directory = {{.Dir}}/pf/queue
data_directory = {{.Dir}}/pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.{{.Domain}}
mydomain = {{.Domain}}
myorigin = {{.Domain}}
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
transport_maps = texthash:{{.Dir}}/pf/conf/transport
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_reject_unlisted_recipient = no
smtpd_recipient_restrictions = check_recipient_access texthash:{{.Dir}}/pf/conf/refuse, permit_mynetworks, reject
recipient_delimiter = +
maillog_file_prefixes = {{.Dir}}
maillog_file = {{.Dir}}/postfix.log
alias_maps =
alias_database =
local_recipient_maps =
biff = no
in_flow_delay = 0
smtpd_error_sleep_time = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
message_size_limit = 52428800
`

// postfixMasterCf lists the services of the Debian master.cf, none chrooted
// (a chroot would need copies of /etc files in the queue directory), with
// smtpd listening on the stack's own loopback port only.
const postfixMasterCf = `# written by caucusgate internal/mailstack
{{.SMTPAddr}} inet n - n - - smtpd
pickup     unix n - n 60 1 pickup
cleanup    unix n - n - 0 cleanup
qmgr       unix n - n 300 1 qmgr
tlsmgr     unix - - n 1000? 1 tlsmgr
rewrite    unix - - n - - trivial-rewrite
bounce     unix - - n - 0 bounce
defer      unix - - n - 0 bounce
trace      unix - - n - 0 bounce
verify     unix - - n - 1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp       unix - - n - - smtp
relay      unix - - n - - smtp
showq      unix n - n - - showq
error      unix - - n - - error
retry      unix - - n - - error
discard    unix - - n - - discard
local      unix - n n - - local
virtual    unix - n n - - virtual
lmtp       unix - - n - - lmtp
anvil      unix - - n - 1 anvil
scache     unix - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
`

// postfixParams fills the Postfix templates.
type postfixParams struct {
	Dir, Domain, SMTPAddr string
}

// queueDirs are the Postfix queues that hold messages (the others hold
// logs about them): a stack is idle when all of these are empty.
func queueDirs() []string {
	return []string{"maildrop", "incoming", "active", "deferred", "hold"}
}

func (s *Stack) postfixConfDir() string { return filepath.Join(s.Dir, "pf", "conf") }

// writePostfixConfig writes main.cf, master.cf and the lookup tables.
func (s *Stack) writePostfixConfig() error {
	p := postfixParams{Dir: s.Dir, Domain: Domain, SMTPAddr: s.SMTPAddr}
	files := []struct{ name, text string }{
		{"main.cf", postfixMainCf},
		{"master.cf", postfixMasterCf},
	}
	for _, f := range files {
		if err := renderFile(filepath.Join(s.postfixConfDir(), f.name), f.text, p); err != nil {
			return err
		}
	}
	if err := s.writeTable("transport", s.transportTable()); err != nil {
		return err
	}
	if err := s.writeTable("refuse", s.refuseTable()); err != nil {
		return err
	}
	return backdate(s.postfixConfDir())
}

// backdate sets the modification time of every file in dir an hour back:
// Postfix daemons reading a main.cf modified within the last second wait
// for it to settle, 300 ms at a time, which made every start take seconds.
func backdate(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	past := time.Now().Add(-time.Hour)
	for _, e := range entries {
		if err := os.Chtimes(filepath.Join(dir, e.Name()), past, past); err != nil {
			return fmt.Errorf("backdate %s: %w", e.Name(), err)
		}
	}
	return nil
}

// transportTable sends RejectRecipients to Postfix's error transport, which
// bounces them with 5.1.1 after the message was accepted, so that a delivery
// status notification goes to the envelope sender; everything else goes to
// Dovecot.
func (s *Stack) transportTable() []string {
	var lines []string
	for _, r := range s.opts.RejectRecipients {
		lines = append(lines, strings.ToLower(r)+" error:5.1.1 User unknown in mailstack")
	}
	for _, domain := range slices.Sorted(maps.Keys(s.opts.Routes)) {
		lines = append(lines, strings.ToLower(domain)+" lmtp:inet:"+s.opts.Routes[domain])
	}
	return append(lines, "* lmtp:inet:"+s.LMTPAddr)
}

// refuseTable makes smtpd refuse RefuseRecipients at RCPT TO.
func (s *Stack) refuseTable() []string {
	var lines []string
	for _, r := range s.opts.RefuseRecipients {
		lines = append(lines, strings.ToLower(r)+" 550 5.1.1 User unknown in mailstack")
	}
	return lines
}

// writeTable writes a texthash: lookup table, which needs no postmap.
func (s *Stack) writeTable(name string, lines []string) error {
	text := strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(s.postfixConfDir(), name), []byte(text), 0o644); err != nil {
		return fmt.Errorf("write postfix %s table: %w", name, err)
	}
	return nil
}

// renderFile executes the template text with data into path.
func renderFile(path, text string, data any) error {
	var b strings.Builder
	tmpl := template.Must(template.New(filepath.Base(path)).Parse(text))
	if err := tmpl.Execute(&b, data); err != nil {
		return fmt.Errorf("render %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// startPostfix creates the queue directories, starts the master daemon in
// the foreground and waits for smtpd's port.
func (s *Stack) startPostfix() error {
	if err := s.createQueues(); err != nil {
		return err
	}
	d, err := startDaemon("postfix", filepath.Join(s.Dir, "postfix.out"),
		postfixMaster, "-d", "-c", s.postfixConfDir())
	if err != nil {
		return err
	}
	s.postfix = d
	s.writePids()
	if err := waitListening(s.SMTPAddr, d.exited, startBudget); err != nil {
		return fmt.Errorf("start postfix: %w", err)
	}
	return nil
}

// queueDir is a Postfix queue directory with the owner and mode that
// /etc/postfix/postfix-files gives it.
type queueDir struct {
	name     string
	postdrop bool // group postdrop, for the set-gid postdrop and postqueue
	mode     os.FileMode
}

// createQueues makes the queue directories as "postfix check" would (its
// post-install script spawns some hundred processes, seconds on a busy
// machine); the data directory belongs to postfix too.
func (s *Stack) createQueues() error {
	dirs := []queueDir{
		{"active", false, 0o700}, {"bounce", false, 0o700}, {"corrupt", false, 0o700},
		{"defer", false, 0o700}, {"deferred", false, 0o700}, {"flush", false, 0o700},
		{"hold", false, 0o700}, {"incoming", false, 0o700}, {"private", false, 0o700},
		{"saved", false, 0o700}, {"trace", false, 0o700},
		{"maildrop", true, 0o730}, {"public", true, 0o710},
	}
	queue := filepath.Join(s.Dir, "pf", "queue")
	if err := os.MkdirAll(filepath.Join(queue, "pid"), 0o755); err != nil {
		return fmt.Errorf("create postfix pid directory: %w", err)
	}
	for _, d := range dirs {
		if err := s.createQueue(filepath.Join(queue, d.name), d); err != nil {
			return err
		}
	}
	if err := os.Chown(filepath.Join(s.Dir, "pf", "data"), s.postfixUID, -1); err != nil {
		return fmt.Errorf("chown postfix data directory: %w", err)
	}
	return nil
}

func (s *Stack) createQueue(path string, d queueDir) error {
	gid := -1
	if d.postdrop {
		gid = s.postdropGID
	}
	if err := os.Mkdir(path, d.mode); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create postfix queue: %w", err)
	}
	if err := os.Chown(path, s.postfixUID, gid); err != nil {
		return fmt.Errorf("chown postfix queue: %w", err)
	}
	// Mkdir's mode is filtered by the umask.
	if err := os.Chmod(path, d.mode); err != nil {
		return fmt.Errorf("chmod postfix queue: %w", err)
	}
	return nil
}

// stopPostfix stops the master daemon, which stops its children.
func (s *Stack) stopPostfix() error {
	if s.postfix == nil {
		return nil
	}
	err := s.postfix.stop()
	s.postfix = nil
	s.writePids()
	return err
}

// flushPostfix asks Postfix to retry deferred mail now (postqueue -f).
func (s *Stack) flushPostfix() error {
	if s.postfix == nil {
		return nil
	}
	out, err := exec.Command(postqueueBin, "-c", s.postfixConfDir(), "-f").CombinedOutput()
	if err != nil {
		return fmt.Errorf("flush postfix queue: %w: %s", err, out)
	}
	return nil
}

// FlushPostfix makes Postfix retry deferred mail now rather than at its next
// queue run.
func (s *Stack) FlushPostfix(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.flushPostfix(); err != nil {
		t.Fatalf("mailstack: %v", err)
	}
}

// queued counts the messages in Postfix's queues.
func (s *Stack) queued() (int, error) {
	n := 0
	for _, q := range queueDirs() {
		root := filepath.Join(s.Dir, "pf", "queue", q)
		err := filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				n++
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("read postfix queue %s: %w", q, err)
		}
	}
	return n, nil
}

// WaitPostfixIdle waits until Postfix's queues are empty: everything it
// accepted was delivered or bounced, and any bounce was delivered too. It
// fails the test with the queue listing when timeout runs out; timeout is a
// failure budget, not a speed assertion.
func (s *Stack) WaitPostfixIdle(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n, err := s.queued()
		if err != nil {
			t.Fatalf("mailstack: %v", err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			out, _ := exec.Command(postqueueBin, "-c", s.postfixConfDir(), "-p").CombinedOutput()
			t.Fatalf("mailstack: postfix still holds %d messages after %v:\n%s\n%s", n, timeout, out, s.logTail("postfix.log"))
		}
		time.Sleep(pollInterval)
	}
}
