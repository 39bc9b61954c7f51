package mailstack

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// pollInterval is how often the harness looks at a port, a queue or a
// Maildir while waiting; waits are bounded by a failure budget, not timed.
const pollInterval = 10 * time.Millisecond

// freePorts returns n distinct loopback ports that were free a moment ago.
// All n listeners are held until every port is chosen so that the kernel
// never hands out the same one twice; another process may still take one
// before the servers bind it, which Start survives by retrying.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve loopback port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// loopback formats a loopback address for port.
func loopback(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// errExited says a server ended while the harness waited for it.
var errExited = errors.New("server exited")

// waitListening polls addr until it accepts a connection, the server's
// process ends (exited closes) or the budget runs out.
func waitListening(addr string, exited <-chan struct{}, budget time.Duration) error {
	deadline := time.Now().Add(budget)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("wait for %s: %w", addr, errExited)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for %s after %v: %w", addr, budget, err)
		}
		time.Sleep(pollInterval)
	}
}

// waitRefused polls addr until nothing listens there any more, so that a
// restarted server can bind the same port: a leftover child process holding
// the old listening socket would make that bind fail.
func waitRefused(addr string, budget time.Duration) error {
	deadline := time.Now().Add(budget)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return nil
		}
		c.Close()
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for %s to close after %v: still accepting", addr, budget)
		}
		time.Sleep(pollInterval)
	}
}
