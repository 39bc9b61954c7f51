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
	rowKeys  = flag.String("rows", "limit,once,daemon,pg,fetchmail", "comma-separated rows to measure, in order: "+strings.Join(toolKeys(), ", "))
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

// A forwarding is one tool's run, started.
type forwarding struct {
	// cpu returns the tool's own CPU (user+system) so far; it is called
	// once every message is delivered. Nil: not measured.
	cpu func() (time.Duration, error)
	// exited receives the tool's exit if it ends on its own while the
	// messages are awaited (a daemon that dies). Nil: it has already ended.
	exited <-chan error
}

// A tool forwards the n messages already in the bureau INBOX of a stack
// (or, for the stack's limit, the corpus itself).
type tool struct {
	key  string // selects the row (-rows); also names its subtests, short: Dovecot's sockets live under their directory
	name string // printed
	// prepare readies a run outside the timer (a config, a database) and
	// returns start, which the timer starts with.
	prepare func(t *testing.T, s *mailstack.Stack, msgs [][]byte) (start func() (forwarding, error))
}

var tools = []tool{
	{"limit", "stack limit (go-smtp load client)", prepareLoad},
	{"once", "caucusgate run -once", prepareCaucusgate(runOnce, sqliteStore)},
	{"daemon", "caucusgate run (daemon)", prepareCaucusgate(runDaemon, sqliteStore)},
	{"pg", "caucusgate run -once, PostgreSQL", prepareCaucusgate(runOnce, postgresStore)},
	{"daemon-pg", "caucusgate run (daemon), PostgreSQL", prepareCaucusgate(runDaemon, postgresStore)},
	{"fetchmail", "fetchmail", prepareFetchmail},
}

func toolKeys() []string {
	keys := make([]string, len(tools))
	for i, tl := range tools {
		keys[i] = tl.key
	}
	return keys
}

// selectTools returns the tools named by keys, in the order given.
func selectTools(keys string) ([]tool, error) {
	var sel []tool
	for _, k := range strings.Split(keys, ",") {
		i := slices.IndexFunc(tools, func(tl tool) bool { return tl.key == strings.TrimSpace(k) })
		if i < 0 {
			return nil, fmt.Errorf("unknown row %q; rows: %s", k, strings.Join(toolKeys(), ", "))
		}
		if slices.ContainsFunc(sel, func(tl tool) bool { return tl.key == tools[i].key }) {
			return nil, fmt.Errorf("row %q named twice", k)
		}
		sel = append(sel, tools[i])
	}
	return sel, nil
}

// TestForwardThroughput runs each selected tool on a fresh stack for each
// corpus, times it until every message has arrived in the caucus Maildir
// through Postfix (counted from directory listings), and prints the medians
// side by side with their ratios to the stack's own limit. Runs are
// interleaved (every tool's first run, then every tool's second...), so
// that a drift in the machine's load weighs on every row alike.
func TestForwardThroughput(t *testing.T) {
	if *mailDirs == "" {
		t.Skip("forwarding benchmark: run scripts/bench-forward")
	}
	mailstack.Required(t)
	if *binPath == "" || *runs < 1 {
		t.Fatal("-bin (a prebuilt caucusgate) and -runs >= 1 are required")
	}
	sel, err := selectTools(*rowKeys)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range strings.Split(*mailDirs, ",") {
		msgs := readMail(t, dir)
		rs := make([][]result, len(sel))
		for run := range *runs {
			for i, tl := range sel {
				// unique names: "#01" suffixes would end up in dovecot.conf, where # starts a comment
				r, err := measure(t, fmt.Sprintf("%s-%s-%d", filepath.Base(dir), tl.key, run+1), tl, msgs)
				if err != nil {
					t.Fatalf("%s, run %d on %s: %v", tl.name, run+1, dir, err)
				}
				rs[i] = append(rs[i], r)
			}
		}
		byKey := make(map[string][]result, len(sel))
		for i, tl := range sel {
			byKey[tl.key] = rs[i]
		}
		fmt.Print(report(filepath.Base(dir), msgs, sel, byKey))
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
		start := tl.prepare(t, s, msgs)
		began := time.Now()
		var f forwarding
		if f, err = start(); err != nil {
			return
		}
		if err = waitDelivered(s, caucus, len(msgs), budget, f.exited); err != nil {
			return
		}
		r.elapsed = time.Since(began)
		if f.cpu != nil {
			r.cpu, err = f.cpu()
		}
	})
	if err == nil && !ok {
		err = errors.New("failed")
	}
	return r, err
}

// median returns the run with the median elapsed time.
func median(rs []result) result {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.elapsed, b.elapsed) })
	return rs[len(rs)/2]
}

// ratios are printed under the table for each pair of rows both measured:
// numerator / denominator in messages per second.
var ratios = []struct{ label, num, den string }{
	{"caucusgate / fetchmail", "once", "fetchmail"},
	{"daemon / run -once (SQLite)", "daemon", "once"},
	{"PostgreSQL / SQLite (run -once)", "pg", "once"},
	{"PostgreSQL / SQLite (daemon)", "daemon-pg", "daemon"},
}

// report formats one corpus's medians in the order of sel, with the ratio
// of each to the stack's limit when the limit was measured, and every
// run's rate in the order the runs were made, so that the spread the
// medians hide is in sight.
func report(name string, msgs [][]byte, sel []tool, byTool map[string][]result) string {
	medians := make(map[string]result, len(byTool))
	for key, rs := range byTool {
		medians[key] = median(rs)
	}
	total := 0
	for _, m := range msgs {
		total += len(m)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\ncorpus %s: %d messages, mean %.1f kB; %d relay sessions (fetchmail: its one); median of %d runs\n",
		name, len(msgs), float64(total)/float64(len(msgs))/1000, *sessions, *runs)
	fmt.Fprintf(&b, "%-36s %9s %8s %14s   %s\n", "who", "msg/s", "×limit", "own CPU ms/msg", "each run: msg/s, CPU ms/msg")
	rate := func(r result) float64 { return float64(len(msgs)) / r.elapsed.Seconds() }
	limit, hasLimit := medians["limit"]
	for _, tl := range sel {
		r := medians[tl.key]
		ofLimit := "-"
		if hasLimit {
			ofLimit = fmt.Sprintf("%.2f", rate(r)/rate(limit))
		}
		var each []string
		for _, run := range byTool[tl.key] {
			each = append(each, fmt.Sprintf("%.1f/%s", rate(run), cpuPerMessage(run, len(msgs))))
		}
		fmt.Fprintf(&b, "%-36s %9.1f %8s %14s   %s\n", tl.name, rate(r), ofLimit, cpuPerMessage(r, len(msgs)), strings.Join(each, " "))
	}
	for _, q := range ratios {
		num, okNum := medians[q.num]
		den, okDen := medians[q.den]
		if !okNum || !okDen {
			continue
		}
		fmt.Fprintf(&b, "%s: %.2f× msg/s", q.label, rate(num)/rate(den))
		if num.cpu > 0 && den.cpu > 0 {
			fmt.Fprintf(&b, ", %.2f× CPU/msg", float64(num.cpu)/float64(den.cpu))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// cpuPerMessage is a run's own CPU a message in milliseconds, "-" when
// the tool's CPU is not measured (the limit's load client).
func cpuPerMessage(r result, n int) string {
	if r.cpu <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(r.cpu.Microseconds())/1000/float64(n))
}

// waitDelivered waits until user's Maildir (new and cur) holds n files,
// counting directory entries without reading any file. It gives up when
// exited (nil: never) receives the exit of the tool that should deliver them.
func waitDelivered(s *mailstack.Stack, user string, n int, timeout time.Duration, exited <-chan error) error {
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
		select {
		case err := <-exited:
			return fmt.Errorf("%s has %d messages of %d, and the forwarder exited: %v", user, got, n, err)
		case <-time.After(countInterval):
		}
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

// prepareLoad is the stack's own limit: the same corpus sent straight to
// Postfix over the same number of sessions caucusgate relays on.
func prepareLoad(_ *testing.T, s *mailstack.Stack, msgs [][]byte) func() (forwarding, error) {
	return func() (forwarding, error) {
		return forwarding{}, sendCorpus(s.SMTPAddr, bureau, caucus, msgs, *sessions)
	}
}

// prepareFetchmail polls the bureau mailbox once with fetchmail, keeping
// the messages on the server, and hands each to Postfix for the caucus.
func prepareFetchmail(t *testing.T, s *mailstack.Stack, _ [][]byte) func() (forwarding, error) {
	host, port, err := net.SplitHostPort(s.IMAPAddr)
	if err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(t.TempDir(), "fetchmailrc")
	conf := fmt.Sprintf("set no bouncemail\n"+
		"poll %s service %s protocol IMAP auth password\n"+
		"  user %q there with password %q\n"+
		"  smtphost %s smtpname %q\n"+ // fetchmail writes host/port
		"  keep fetchall no rewrite sslproto ''\n",
		host, port, bureau, s.Password, strings.Replace(s.SMTPAddr, ":", "/", 1), caucus)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return func() (forwarding, error) {
		cmd := exec.Command("fetchmail", "-f", rc, "--nodetach", "--silent",
			"--pidfile", filepath.Join(filepath.Dir(rc), "pid"))
		cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(rc), "FETCHMAILHOME="+filepath.Dir(rc))
		if out, err := cmd.CombinedOutput(); err != nil {
			return forwarding{}, fmt.Errorf("fetchmail: %w: %s", err, out)
		}
		return forwarding{cpu: reapedCPU(cmd)}, nil
	}
}

// reapedCPU is the CPU of an ended process, from wait4's rusage: its
// utime+stime as the kernel accounts it.
func reapedCPU(cmd *exec.Cmd) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
	}
}
