package mailstack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// stopGrace is how long a server gets to stop after SIGTERM before its
// process group is killed.
const stopGrace = 10 * time.Second

// supervisor runs a server's master process ("$@") in the foreground in a
// process group of its own, and takes the whole group down with SIGTERM
// when the supervisor gets SIGTERM or when the test binary dies: the binary
// holds the write end of the pipe on fd 3, which the kernel closes however
// the binary ends, SIGKILL included. A parent-death signal on the master
// would not do: Postfix's master changes credentials, which clears it.
// Signalling the group at once matters too: Dovecot's master, signalled
// alone, waits a second for its children. The supervisor exits only after
// it has reaped the master, so its exit means the master is gone.
const supervisor = `trap 'trap "" TERM; kill -TERM 0' TERM
"$@" 3<&- &
m=$!
{ read -r _ <&3; kill -TERM 0; } &
w=$!
s=0
while kill -0 "$m" 2>/dev/null; do wait "$m"; s=$?; done
kill "$w" 2>/dev/null
exit "$s"
`

// daemon is a server's master process under a supervisor shell, run as a
// child of the test binary.
type daemon struct {
	name     string
	cmd      *exec.Cmd
	lifeline *os.File      // the pipe's write end; its closing stops the server
	exited   chan struct{} // closed when the supervisor has been reaped
	err      error         // cmd.Wait's result, valid once exited is closed
}

// startDaemon starts argv under the supervisor with its output appended to
// outPath.
func startDaemon(name, outPath string, argv ...string) (*daemon, error) {
	return startDaemonWith(name, outPath, nil, argv...)
}

// startDaemonWith is startDaemon with setup, when non-nil, adjusting the
// command (working directory, environment) before it starts.
func startDaemonWith(name, outPath string, setup func(*exec.Cmd), argv ...string) (*daemon, error) {
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s output: %w", name, err)
	}
	defer out.Close() // the child holds its own descriptor
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("create %s lifeline: %w", name, err)
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", append([]string{"-c", supervisor, "mailstack-" + name}, argv...)...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.ExtraFiles = []*os.File{r}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if setup != nil {
		setup(cmd)
	}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	d := &daemon{name: name, cmd: cmd, lifeline: w, exited: make(chan struct{})}
	go d.reap()
	return d, nil
}

// reap waits for the supervisor so that it never lingers as a zombie.
func (d *daemon) reap() {
	d.err = d.cmd.Wait()
	close(d.exited)
}

// pid is the supervisor's process id, which is also its process group's.
func (d *daemon) pid() int { return d.cmd.Process.Pid }

// stop asks the supervisor to stop the server and waits until it has,
// killing the process group if that takes longer than stopGrace. A server
// that had already exited is reported as an error.
func (d *daemon) stop() error {
	return d.stopWithin(stopGrace)
}

// stopWithin is stop with grace instead of stopGrace.
func (d *daemon) stopWithin(grace time.Duration) error {
	defer d.lifeline.Close()
	select {
	case <-d.exited:
		return d.exitError()
	default:
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", d.name, err)
	}
	select {
	case <-d.exited:
		return nil
	case <-time.After(grace):
	}
	syscall.Kill(-d.pid(), syscall.SIGKILL)
	<-d.exited
	return fmt.Errorf("stop %s: still running %v after SIGTERM, killed", d.name, grace)
}

// exitError describes an exit that nobody asked for.
func (d *daemon) exitError() error {
	if d.err != nil {
		return fmt.Errorf("%s exited: %w", d.name, d.err)
	}
	return fmt.Errorf("%s exited", d.name)
}
