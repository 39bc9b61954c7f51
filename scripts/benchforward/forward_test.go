package benchforward

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"caucusgate/internal/mailstack"
)

// Flags set by scripts/bench-forward and scripts/bench-latency.
var (
	mailDirs = flag.String("mail", "", "comma-separated directories of .eml files to forward (scripts/genmail), one corpus each")
	binPath  = flag.String("bin", "", "caucusgate binary, built before any timer starts")
	sessions = flag.Int("sessions", 8, "relay sessions, for caucusgate and for the stack's limit")
	runs     = flag.Int("runs", 3, "runs per tool and corpus; the median is printed")
)

const (
	bureau = "bureau@example.org"
	caucus = "caucus-gender@example.org"
	// budget bounds each forwarding run; it is a failure budget, the
	// measurement is what gets printed.
	budget = 30 * time.Minute
	// countInterval is how often the caucus Maildir is listed while waiting.
	countInterval = 20 * time.Millisecond
)

// result is one tool's run on one corpus.
type result struct {
	elapsed time.Duration
	cpu     time.Duration // the tool's own CPU (user+system); 0 when not measured
}

// tool forwards the n messages already in the bureau INBOX of s (or, for
// the stack's limit, the corpus itself) and returns its own CPU time when
// it measures it.
type tool struct {
	name    string // printed
	short   string // the subtest's name, short: Dovecot's sockets live under its directory
	forward func(t *testing.T, s *mailstack.Stack, msgs [][]byte) (cpu time.Duration, err error)
}

var tools = []tool{
	{"stack limit (go-smtp load client)", "limit", forwardLoad},
	{"caucusgate run -once", "caucusgate", forwardCaucusgate},
	{"fetchmail", "fetchmail", forwardFetchmail},
}

// TestForwardThroughput runs each tool on a fresh stack for each corpus,
// times it until every message has arrived in the caucus Maildir through
// Postfix (counted from directory listings), and prints the medians side by
// side with their ratios to the stack's own limit.
func TestForwardThroughput(t *testing.T) {
	if *mailDirs == "" {
		t.Skip("forwarding benchmark: run scripts/bench-forward")
	}
	mailstack.Required(t)
	if *binPath == "" || *runs < 1 {
		t.Fatal("-bin (a prebuilt caucusgate) and -runs >= 1 are required")
	}
	for _, dir := range strings.Split(*mailDirs, ",") {
		msgs := readMail(t, dir)
		medians := make([]result, len(tools))
		for i, tl := range tools {
			var rs []result
			for run := range *runs {
				// unique names: "#01" suffixes would end up in dovecot.conf, where # starts a comment
				r, err := measure(t, fmt.Sprintf("%s-%s-%d", filepath.Base(dir), tl.short, run+1), tl, msgs)
				if err != nil {
					t.Fatalf("%s, run %d on %s: %v", tl.name, run+1, dir, err)
				}
				rs = append(rs, r)
			}
			medians[i] = median(rs)
		}
		fmt.Print(report(filepath.Base(dir), msgs, medians))
	}
}

// measure seeds a fresh stack's bureau INBOX with msgs and times tl until
// every message is in the caucus Maildir.
func measure(t *testing.T, name string, tl tool, msgs [][]byte) (result, error) {
	var r result
	var err error
	ok := t.Run(name, func(t *testing.T) {
		s := mailstack.Start(t, mailstack.Options{Users: []string{bureau}})
		for _, m := range msgs {
			s.Append(t, bureau, "INBOX", m)
		}
		start := time.Now()
		if r.cpu, err = tl.forward(t, s, msgs); err != nil {
			return
		}
		if err = waitDelivered(s, caucus, len(msgs), budget); err != nil {
			return
		}
		r.elapsed = time.Since(start)
	})
	if err == nil && !ok {
		err = errors.New("failed")
	}
	return r, err
}

// median returns the run with the median elapsed time.
func median(rs []result) result {
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.elapsed, b.elapsed) })
	return rs[len(rs)/2]
}

// report formats one corpus's medians, the stack's limit first.
func report(name string, msgs [][]byte, rs []result) string {
	total := 0
	for _, m := range msgs {
		total += len(m)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\ncorpus %s: %d messages, mean %.1f kB; %d relay sessions (fetchmail: its one); median of %d runs\n",
		name, len(msgs), float64(total)/float64(len(msgs))/1000, *sessions, *runs)
	fmt.Fprintf(&b, "%-36s %9s %8s %14s\n", "who", "msg/s", "×limit", "own CPU ms/msg")
	rate := func(r result) float64 { return float64(len(msgs)) / r.elapsed.Seconds() }
	limit := rate(rs[0])
	for i, r := range rs {
		cpu := "-"
		if r.cpu > 0 {
			cpu = fmt.Sprintf("%.2f", float64(r.cpu.Microseconds())/1000/float64(len(msgs)))
		}
		fmt.Fprintf(&b, "%-36s %9.1f %8.2f %14s\n", tools[i].name, rate(r), rate(r)/limit, cpu)
	}
	fmt.Fprintf(&b, "caucusgate / fetchmail: %.2f×\n", rate(rs[1])/rate(rs[2]))
	return b.String()
}

// waitDelivered waits until user's Maildir (new and cur) holds n files,
// counting directory entries without reading any file.
func waitDelivered(s *mailstack.Stack, user string, n int, timeout time.Duration) error {
	dir := filepath.Join(s.Dir, "mail", strings.ToLower(user), "Maildir")
	deadline := time.Now().Add(timeout)
	for {
		got, err := countMaildir(dir)
		if err != nil || got >= n {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s has %d messages after %v, want %d", user, got, timeout, n)
		}
		time.Sleep(countInterval)
	}
}

// countMaildir counts the files in dir's new and cur (tmp holds deliveries
// in progress, so it is left out).
func countMaildir(dir string) (int, error) {
	n := 0
	for _, sub := range []string{"new", "cur"} {
		f, err := os.Open(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("open maildir: %w", err)
		}
		names, err := f.Readdirnames(-1)
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("list maildir: %w", err)
		}
		n += len(names)
	}
	return n, nil
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

// forwardLoad is the stack's own limit: the same corpus sent straight to
// Postfix over the same number of sessions caucusgate relays on.
func forwardLoad(_ *testing.T, s *mailstack.Stack, msgs [][]byte) (time.Duration, error) {
	return 0, sendCorpus(s.SMTPAddr, bureau, caucus, msgs, *sessions)
}

// forwardFetchmail polls the bureau mailbox once with fetchmail, keeping
// the messages on the server, and hands each to Postfix for the caucus.
func forwardFetchmail(t *testing.T, s *mailstack.Stack, _ [][]byte) (time.Duration, error) {
	host, port, err := net.SplitHostPort(s.IMAPAddr)
	if err != nil {
		return 0, err
	}
	rc := filepath.Join(t.TempDir(), "fetchmailrc")
	conf := fmt.Sprintf("set no bouncemail\n"+
		"poll %s service %s protocol IMAP auth password\n"+
		"  user %q there with password %q\n"+
		"  smtphost %s smtpname %q\n"+ // fetchmail writes host/port
		"  keep fetchall no rewrite sslproto ''\n",
		host, port, bureau, s.Password, strings.Replace(s.SMTPAddr, ":", "/", 1), caucus)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		return 0, err
	}
	cmd := exec.Command("fetchmail", "-f", rc, "--nodetach", "--silent",
		"--pidfile", filepath.Join(filepath.Dir(rc), "pid"))
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(rc), "FETCHMAILHOME="+filepath.Dir(rc))
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("fetchmail: %w: %s", err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// forwardCaucusgate runs the prebuilt `caucusgate run -once` against the
// stack with a rule forwarding everything to the caucus: the same one-pass
// job fetchmail does, plus the store's bookkeeping. Its CPU is the
// process's utime+stime as the kernel accounts it in /proc/PID/stat,
// read when it is reaped (wait4's rusage).
func forwardCaucusgate(t *testing.T, s *mailstack.Stack, _ [][]byte) (time.Duration, error) {
	dir := t.TempDir()
	config := writeBenchConfig(t, dir, s, "all", s.SMTPAddr, "")
	cmd := exec.Command(*binPath, "run", "-once", "-config", config)
	cmd.Env = append(os.Environ(), "BENCH_PASSWORD="+s.Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("caucusgate run -once: %w: %s", err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// writeBenchConfig writes a config and a rule forwarding everything to the
// caucus through relay (host:port), taking the bureau's mail from start
// (all, now), with the admin listener on listen when it is not empty, and
// returns the config's path.
func writeBenchConfig(t *testing.T, dir string, s *mailstack.Stack, start, relay, listen string) string {
	t.Helper()
	config := fmt.Sprintf("store: caucusgate.db\n"+
		"accounts:\n  - name: bureau\n    imap: imap://%s\n    username: %s\n    password_env: BENCH_PASSWORD\n"+
		"    address: %s\n    start: %s\n"+
		"relay:\n  url: smtp://%s\n  hostname: gateway.example.org\n  sessions: %d\n"+
		"rules: rules.yaml\n", s.IMAPAddr, bureau, bureau, start, relay, *sessions)
	if listen != "" {
		config += "listen: " + listen + "\n"
	}
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
