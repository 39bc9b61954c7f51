package chaos

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stopGrace is how long a daemon asked to stop (SIGTERM) may take before it
// is killed; CONTRACT gives in-flight deliveries 30 s.
const stopGrace = 45 * time.Second

// Daemon is one caucusgate process, with its output in a log file.
type Daemon struct {
	Name    string
	cmd     *exec.Cmd
	logPath string
	logFrom int64 // where this process's output begins in the log
	exited  chan struct{}
}

// startedLine is what the daemon logs once it runs, its signal handlers
// long installed.
const startedLine = "caucusgate started"

// StartDaemon runs binary with args and the extra environment, its output
// appended to DIR/NAME.log. The process is killed at the end of the test
// if it still runs.
func StartDaemon(t testing.TB, name, dir, binary string, env []string, args ...string) *Daemon {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("chaos: open %s: %v", logPath, err)
	}
	from, _ := out.Seek(0, io.SeekEnd)
	fmt.Fprintf(out, "==== start %s %v\n", time.Now().Format(time.RFC3339Nano), env)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	// A test binary killed midway takes its daemons with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		t.Fatalf("chaos: start %s: %v", name, err)
	}
	d := &Daemon{Name: name, cmd: cmd, logPath: logPath, logFrom: from, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		out.Close()
		close(d.exited)
	}()
	t.Cleanup(func() { d.Kill() })
	return d
}

// Running says the process has not exited.
func (d *Daemon) Running() bool {
	select {
	case <-d.exited:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL and waits for the process to end.
func (d *Daemon) Kill() {
	if d.Running() {
		d.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-d.exited
}

// Stop asks the daemon to stop (SIGTERM) and kills it after stopGrace. It
// reports an exit other than 0. A daemon still starting is given until it
// says it runs: before Go installs its handlers, SIGTERM ends any process
// at once, which says nothing of caucusgate.
func (d *Daemon) Stop() error {
	d.waitStarted(stopGrace)
	if !d.Running() {
		return d.exitErr()
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
		return d.exitErr()
	case <-time.After(stopGrace):
		d.Kill()
		return fmt.Errorf("%s still running %v after SIGTERM: killed", d.Name, stopGrace)
	}
}

func (d *Daemon) exitErr() error {
	if st := d.cmd.ProcessState; !st.Success() {
		return fmt.Errorf("%s: %v", d.Name, st)
	}
	return nil
}

// Log returns the last n lines of the daemon's log, for failure messages.
func (d *Daemon) Log(n int) string {
	b, err := os.ReadFile(d.logPath)
	if errors.Is(err, os.ErrNotExist) || err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return lastLines(string(b), n)
}

// waitStarted waits until this process logged startedLine, it ended, or
// budget ran out.
func (d *Daemon) waitStarted(budget time.Duration) {
	deadline := time.Now().Add(budget)
	for d.Running() && time.Now().Before(deadline) {
		b, _ := os.ReadFile(d.logPath)
		if int64(len(b)) > d.logFrom && strings.Contains(string(b[d.logFrom:]), startedLine) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
