package benchforward

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// loadSessionBudget bounds one message's exchange on a load session.
const loadSessionBudget = 60 * time.Second

// sendCorpus sends every message of msgs from sender to rcpt over sessions
// parallel SMTP sessions (RFC 5321) to addr, each session kept open and
// reused with RSET between messages, the way the gateway's relay sessions
// are. It measures the stack's own limit with the same corpus and the same
// number of sessions as the tools it is compared with.
func sendCorpus(addr, sender, rcpt string, msgs [][]byte, sessions int) error {
	if sessions < 1 {
		return fmt.Errorf("send corpus: %d sessions", sessions)
	}
	next := make(chan []byte)
	go func() {
		defer close(next)
		for _, m := range msgs {
			next <- m
		}
	}()
	errs := make([]error, sessions)
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() { errs[i] = loadSession(addr, sender, rcpt, next) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// loadSession sends messages from next over one SMTP session until next is
// closed. After a failure it drains next so that the other sessions finish.
func loadSession(addr, sender, rcpt string, next <-chan []byte) error {
	c, err := dialLoad(addr)
	if err != nil {
		for range next {
		}
		return err
	}
	defer c.Close()
	for m := range next {
		if err := sendOne(c, sender, rcpt, m); err != nil {
			for range next {
			}
			return err
		}
	}
	return c.Quit()
}

func dialLoad(addr string) (*smtp.Client, error) {
	conn, err := net.DialTimeout("tcp", addr, loadSessionBudget)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	c := smtp.NewClient(conn)
	if err := c.Hello("load.example.org"); err != nil {
		c.Close()
		return nil, fmt.Errorf("greet %s: %w", addr, err)
	}
	return c, nil
}

// sendOne sends one message on an open session and resets it for the next.
func sendOne(c *smtp.Client, sender, rcpt string, msg []byte) error {
	if err := c.Mail(sender, nil); err != nil {
		return fmt.Errorf("send MAIL FROM: %w", err)
	}
	if err := c.Rcpt(rcpt, nil); err != nil {
		return fmt.Errorf("send RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("send DATA: %w", err)
	}
	if _, err := bytes.NewReader(msg).WriteTo(w); err != nil {
		w.Close()
		return fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end DATA: %w", err)
	}
	return c.Reset()
}
