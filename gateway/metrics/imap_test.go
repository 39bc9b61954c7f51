package metrics

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"caucusgate/gateway/imapwatch"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestIMAPFaults(t *testing.T) {
	m, _ := newTest(t)
	o := m.Mailbox("bureau", "INBOX")
	o.Reconnect(fmt.Errorf("end IDLE: %w", errors.Join(imapwatch.ErrStalled, errors.New("use of closed connection"))))
	if got := testutil.ToFloat64(m.faults.stalls.WithLabelValues("bureau", "INBOX")); got != 1 {
		t.Errorf("stalls %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.reconnects.WithLabelValues("bureau", "INBOX", "network")); got != 1 {
		t.Errorf("network reconnects %v, want 1: a stall is one", got)
	}
	since := time.Unix(1_790_000_000, 0)
	o.(imapwatch.AckObserver).AckBacklog(imapwatch.AckBacklog{Count: 4, Since: since, Err: errors.New("NO")})
	if got := testutil.ToFloat64(m.faults.ackBacklog.WithLabelValues("bureau", "INBOX")); got != 4 {
		t.Errorf("ack backlog %v, want 4", got)
	}
	if got := testutil.ToFloat64(m.faults.ackSince.WithLabelValues("bureau", "INBOX")); got != float64(since.Unix()) {
		t.Errorf("refused since %v, want %d", got, since.Unix())
	}
	o.(imapwatch.AckObserver).AckBacklog(imapwatch.AckBacklog{})
	if got := testutil.ToFloat64(m.faults.ackSince.WithLabelValues("bureau", "INBOX")); got != 0 {
		t.Errorf("refused since %v after the backlog cleared, want 0", got)
	}
}
