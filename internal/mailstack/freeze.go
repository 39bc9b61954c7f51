package mailstack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FreezeIMAP stops (SIGSTOP) Dovecot's imap processes, one per logged-in
// connection, as a hung server or storage would: the kernel still holds
// their TCP connections, so clients see silence, not a reset. New logins
// get fresh, unfrozen processes. The returned function resumes (SIGCONT)
// the frozen ones; it also runs at cleanup.
func (s *Stack) FreezeIMAP(t testing.TB) (thaw func()) {
	t.Helper()
	pids, err := s.imapProcesses(freezeWait)
	if err != nil {
		t.Fatal(err)
	}
	var frozen []int
	for _, pid := range pids {
		err := syscall.Kill(pid, syscall.SIGSTOP)
		if errors.Is(err, syscall.ESRCH) {
			continue // the session ended since it was listed
		}
		if err != nil {
			t.Fatalf("freeze imap process %d: %v", pid, err)
		}
		frozen = append(frozen, pid)
	}
	if len(frozen) == 0 {
		t.Fatal("freeze imap: no imap process is running")
	}
	pids = frozen
	thawed := false
	thaw = func() {
		if thawed {
			return
		}
		thawed = true
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGCONT)
		}
	}
	t.Cleanup(thaw)
	return thaw
}

// freezeWait bounds how long FreezeIMAP waits for a client to be logged
// in: right after RestartDovecot, clients are still in their reconnect
// backoff, and after the instance holding a mailbox's lease was killed,
// no other one connects before the lease expires (gateway's leaseTTL, 60
// s, plus a renewal period of 20 s and the reconnect backoff).
const freezeWait = 2 * time.Minute

// imapProcesses lists Dovecot's imap processes, waiting up to wait for one
// to start.
func (s *Stack) imapProcesses(wait time.Duration) ([]int, error) {
	deadline := time.Now().Add(wait)
	for {
		pids, err := groupProcesses(s.dovecot.pid(), "imap")
		if err != nil || len(pids) > 0 || time.Now().After(deadline) {
			return pids, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// groupProcesses lists the processes of process group pgid whose command
// name is comm, from /proc/PID/stat.
func groupProcesses(pgid int, comm string) ([]int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var pids []int
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // exited meanwhile
		}
		pid, name, group, ok := parseStat(string(b))
		if ok && name == comm && group == pgid {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// parseStat reads pid, comm and pgrp from a /proc/PID/stat line:
// "PID (COMM) STATE PPID PGRP ...", where COMM may hold spaces.
func parseStat(line string) (pid int, comm string, pgrp int, ok bool) {
	open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return 0, "", 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line[:open]))
	if err != nil {
		return 0, "", 0, false
	}
	rest := strings.Fields(line[end+1:])
	if len(rest) < 3 {
		return 0, "", 0, false
	}
	pgrp, err = strconv.Atoi(rest[2])
	return pid, line[open+1 : end], pgrp, err == nil
}
