package benchforward

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"caucusgate/internal/mailstack"
)

// runMode is how caucusgate is run: one pass, or the daemon.
type runMode int

const (
	// runOnce is `caucusgate run -once`: it takes what is in the mailbox,
	// makes every due delivery attempt and exits, the one-pass job
	// fetchmail does plus the store's bookkeeping.
	runOnce runMode = iota
	// runDaemon is `caucusgate run`, started once the messages are in the
	// bureau INBOX (start: all), so that it is timed like run -once, from
	// exec to the last delivered file, its start-up included. It takes the
	// mailbox and then idles (IMAP IDLE); it is stopped after its CPU is read.
	runDaemon
)

// daemonStopBudget bounds a daemon's graceful stop before it is killed.
const daemonStopBudget = 30 * time.Second

// prepareCaucusgate returns the preparation of a caucusgate run in mode
// on a store made by store (a fresh one for each run), relaying over the
// stack's Postfix with a rule forwarding everything to the caucus.
func prepareCaucusgate(mode runMode, store func(t *testing.T, dir string) string) func(*testing.T, *mailstack.Stack, [][]byte) func() (forwarding, error) {
	return func(t *testing.T, s *mailstack.Stack, _ [][]byte) func() (forwarding, error) {
		dir := t.TempDir()
		config := writeBenchConfig(t, dir, s, benchConfig{store: store(t, dir), start: "all", relay: s.SMTPAddr})
		cmd := exec.Command(*binPath, "run", "-config", config)
		if mode == runOnce {
			cmd.Args = append(cmd.Args, "-once")
		}
		cmd.Env = append(os.Environ(), "BENCH_PASSWORD="+s.Password)
		if mode == runOnce {
			return func() (forwarding, error) { return runToEnd(cmd) }
		}
		return func() (forwarding, error) { return startDaemonProcess(t, cmd) }
	}
}

// runToEnd runs `caucusgate run -once`; its CPU is taken when it is reaped.
func runToEnd(cmd *exec.Cmd) (forwarding, error) {
	if out, err := cmd.CombinedOutput(); err != nil {
		return forwarding{}, fmt.Errorf("caucusgate run -once: %w: %s", err, out)
	}
	return forwarding{cpu: reapedCPU(cmd)}, nil
}

// startDaemonProcess starts the daemon and stops it when the test ends.
// Its CPU is read from /proc/PID/stat while it still runs: utime+stime
// of all its threads, as the kernel accounts them.
func startDaemonProcess(t *testing.T, cmd *exec.Cmd) (forwarding, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return forwarding{}, fmt.Errorf("start caucusgate run: %w", err)
	}
	exited := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		exited <- cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(daemonStopBudget):
			t.Errorf("caucusgate run did not stop within %v of SIGTERM; killed", daemonStopBudget)
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("caucusgate output:\n%s", out.String())
		}
	})
	pid := cmd.Process.Pid
	cpu := func() (time.Duration, error) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0, fmt.Errorf("read the daemon's cpu time: %w", err)
		}
		return parseStatCPU(string(b))
	}
	return forwarding{cpu: cpu, exited: exited}, nil
}

// sqliteStore is a SQLite file in the run's directory.
func sqliteStore(_ *testing.T, dir string) string {
	return filepath.Join(dir, "caucusgate.db")
}

// benchConfig is what a bench run's config varies in.
type benchConfig struct {
	store  string // SQLite path or postgres:// URL
	start  string // where the account starts: all, now
	relay  string // host:port
	listen string // the admin listener; empty: none
}

// writeBenchConfig writes a config as c says and a rule forwarding
// everything to the caucus, and returns the config's path.
func writeBenchConfig(t *testing.T, dir string, s *mailstack.Stack, c benchConfig) string {
	t.Helper()
	if c.store == "" {
		c.store = sqliteStore(t, dir)
	}
	config := fmt.Sprintf("store: %q\n"+
		"accounts:\n  - name: bureau\n    imap: imap://%s\n    username: %s\n    password_env: BENCH_PASSWORD\n"+
		"    address: %s\n    start: %s\n"+
		"relay:\n  url: smtp://%s\n  hostname: gateway.example.org\n  sessions: %d\n"+
		"rules: rules.yaml\n", c.store, s.IMAPAddr, bureau, bureau, c.start, c.relay, *sessions)
	if c.listen != "" {
		config += "listen: " + c.listen + "\n"
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
