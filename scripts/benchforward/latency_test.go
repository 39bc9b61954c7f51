package benchforward

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"

	"caucusgate/internal/mailstack"
)

var (
	probes        = flag.Int("latency", 0, "messages appended one per -interval to measure arrival-to-acceptance latency (scripts/bench-latency)")
	probeInterval = flag.Duration("interval", time.Second, "time between two appended messages")
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat; it
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// probeToken marks each appended message so that its relayed copy can be
// recognised whatever the forwarding rewrites.
// warmUpID numbers the untimed warm-up messages, apart from the probes.
const warmUpID = 90000

var probeToken = regexp.MustCompile(`latency-probe-[0-9]{5}`)

// TestIdleLatency runs the caucusgate daemon against real Dovecot with
// IDLE, appends one message to the bureau INBOX every -interval, and prints
// p50 and p99 of the time from arrival (the tagged OK of the APPEND) to the
// relay's acceptance (the moment the go-smtp relay server standing in front
// has read the final dot of DATA, before it replies 250), both stamped by
// this process's clock. It also prints the daemon's CPU per message from
// /proc/PID/stat. Run it with scripts/bench-latency.
func TestIdleLatency(t *testing.T) {
	if *probes < 1 {
		t.Skip("latency measurement: run scripts/bench-latency")
	}
	mailstack.Required(t)
	if *binPath == "" || *probes >= warmUpID {
		t.Fatalf("-bin (a prebuilt caucusgate) is required, and -latency below %d", warmUpID)
	}
	s := mailstack.Start(t, mailstack.Options{Users: []string{bureau}})
	relay := &stampBackend{accepted: map[string]time.Time{}}
	relayAddr := startCapture(t, relay)
	pid := startDaemon(t, s, relayAddr)
	c := dialIMAP(t, s)
	warmUp(t, c, relay)
	cpuBefore := procCPU(t, pid)
	arrived := map[int]time.Time{}
	tick := time.NewTicker(*probeInterval)
	defer tick.Stop()
	ids := make([]int, 0, *probes)
	for i := 1; i <= *probes; i++ {
		<-tick.C
		arrived[i] = appendProbe(t, c, "INBOX", i)
		ids = append(ids, i)
	}
	if err := relay.wait(ids, time.Minute); err != nil {
		t.Fatal(err)
	}
	cpu := procCPU(t, pid) - cpuBefore
	lat := make([]time.Duration, 0, len(ids))
	for _, i := range ids {
		lat = append(lat, relay.at(i).Sub(arrived[i]))
	}
	fmt.Printf("bench-latency: %d messages, one per %v, IDLE, %d relay sessions\n", len(lat), *probeInterval, *sessions)
	fmt.Printf("arrival (APPEND OK) to relay acceptance (final dot read): p50 %v  p99 %v  max %v\n",
		percentile(lat, 50).Round(100*time.Microsecond), percentile(lat, 99).Round(100*time.Microsecond),
		slices.Max(lat).Round(100*time.Microsecond))
	floor := measureIdleFloor(t, s, c, min(len(ids), 30))
	fmt.Printf("the server's floor, APPEND OK to EXISTS at a bare idling client on a quiet mailbox (%d messages): p50 %v  p99 %v\n",
		len(floor), percentile(floor, 50).Round(100*time.Microsecond), percentile(floor, 99).Round(100*time.Microsecond))
	fmt.Printf("daemon CPU (/proc/%d/stat utime+stime, %d Hz ticks): %.1f ms a message, idle time included\n",
		pid, clockTicks, float64(cpu.Microseconds())/1000/float64(len(lat)))
}

// warmUp appends untimed messages, one a second, until the relay receives
// one: then the daemon is idling on the INBOX (/readyz may answer before it
// opened the mailbox, and with start: now mail appended before that is
// never taken) and the relay path works.
func warmUp(t *testing.T, c *imapclient.Client, relay *stampBackend) {
	t.Helper()
	for i := range 60 {
		id := warmUpID + i
		appendProbe(t, c, "INBOX", id)
		if relay.wait([]int{id}, time.Second) == nil {
			return
		}
	}
	t.Fatal("the relay received none of 60 warm-up messages, one a second")
}

// percentile returns the p-th percentile of ds by nearest rank.
func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	return s[max(rank, 1)-1]
}

// startDaemon starts `caucusgate run` with IDLE on the bureau INBOX,
// relaying to relayAddr, waits for /readyz, and stops it at cleanup.
func startDaemon(t *testing.T, s *mailstack.Stack, relayAddr string) int {
	t.Helper()
	dir := t.TempDir()
	listen := freeAddr(t)
	config := writeBenchConfig(t, dir, s, benchConfig{start: "now", relay: relayAddr, listen: listen})
	cmd := exec.Command(*binPath, "run", "-config", config)
	cmd.Env = append(os.Environ(), "BENCH_PASSWORD="+s.Password)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start caucusgate run: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("caucusgate output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + listen + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd.Process.Pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("caucusgate not ready after a minute: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// dialIMAP logs in as the bureau on one session kept for every APPEND.
func dialIMAP(t *testing.T, s *mailstack.Stack) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.IMAPAddr, nil)
	if err != nil {
		t.Fatalf("dial imap: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(bureau, s.Password).Wait(); err != nil {
		t.Fatalf("log in: %v", err)
	}
	return c
}

// appendProbe appends probe i to mailbox and returns when the server
// acknowledged it: the message's arrival.
func appendProbe(t *testing.T, c *imapclient.Client, mailbox string, i int) time.Time {
	t.Helper()
	msg := fmt.Appendf(nil, "From: ITU Events <events@itu.int>\r\nTo: %s\r\n"+
		"Subject: Invitation latency-probe-%05d\r\nDate: %s\r\nMessage-ID: <latency-probe-%05d.%d@itu.int>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Consultation on digital inclusion, latency-probe-%05d.\r\n",
		bureau, i, time.Now().Format(time.RFC1123Z), i, time.Now().UnixNano(), i)
	cmd := c.Append(mailbox, int64(len(msg)), nil)
	if _, err := cmd.Write(msg); err != nil {
		t.Fatalf("append probe %d: %v", i, err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("append probe %d: %v", i, err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append probe %d: %v", i, err)
	}
	return time.Now()
}

// procCPU returns pid's utime+stime from /proc/PID/stat.
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("read cpu time: %v", err)
	}
	d, err := parseStatCPU(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// parseStatCPU returns utime+stime (fields 14 and 15, proc(5)) of a
// /proc/PID/stat line. The command name, field 2, may hold spaces and
// parentheses, so fields are counted from its last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("parse /proc stat: no command name in %q", stat)
	}
	fields := strings.Fields(stat[end+1:]) // fields[0] is field 3
	if len(fields) < 13 {
		return 0, fmt.Errorf("parse /proc stat: %d fields after the name", len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse /proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// stampBackend is the relay in front: it accepts every message and stamps
// the moment it has read the whole of DATA, by probe number.
type stampBackend struct {
	mu       sync.Mutex
	accepted map[string]time.Time
}

func (b *stampBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &stampSession{b: b}, nil
}

func (b *stampBackend) at(i int) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.accepted[fmt.Sprintf("latency-probe-%05d", i)]
}

// wait waits until every probe of ids has been accepted.
func (b *stampBackend) wait(ids []int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var missing []int
		for _, i := range ids {
			if b.at(i).IsZero() {
				missing = append(missing, i)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the relay has not received probes %v after %v", missing, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type stampSession struct{ b *stampBackend }

func (s *stampSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *stampSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *stampSession) Data(r io.Reader) error {
	body, err := io.ReadAll(r)
	now := time.Now()
	if err != nil {
		return err
	}
	if tok := probeToken.Find(body); tok != nil {
		s.b.mu.Lock()
		if _, seen := s.b.accepted[string(tok)]; !seen {
			s.b.accepted[string(tok)] = now
		}
		s.b.mu.Unlock()
	}
	return nil
}
func (s *stampSession) Reset()        {}
func (s *stampSession) Logout() error { return nil }
