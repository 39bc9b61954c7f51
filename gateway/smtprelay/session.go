package smtprelay

import (
	"bufio"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// session is one authenticated connection to the relay, used by one Send at
// a time.
type session struct {
	id     uint64
	client *smtp.Client
	conn   net.Conn // the TCP connection: closing it aborts any command
	wire   net.Conn // what go-smtp speaks on (TLS above conn, or conn): DATA's content goes here
	buf    *bufio.Writer
	tls    bool

	sent      int       // transactions begun on this connection
	dirty     bool      // the last transaction failed: RSET before the next
	broken    bool      // unusable: discard, do not QUIT
	idleSince time.Time // by Config.Now, when it went back to the pool
}

// quitTimeout bounds QUIT: shutting down must not wait the five minutes
// CommandTimeout allows a reply.
const quitTimeout = 10 * time.Second

// close ends the session politely when it is healthy, at once otherwise.
func (s *session) close() {
	if !s.broken {
		s.client.CommandTimeout = min(s.client.CommandTimeout, quitTimeout)
		if s.client.Quit() == nil {
			return
		}
	}
	s.client.Close()
}
