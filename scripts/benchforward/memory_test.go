package benchforward

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"caucusgate/internal/mailstack"
)

var peakMemory = flag.Bool("peak-memory", false, "measure caucusgate's peak memory forwarding one 25 MiB message")

// TestPeakMemory25MiB forwards one invitation just under the 25 MiB
// max_message_size (an 18 MiB attachment, base64-encoded)
// with `caucusgate run -once` through real Dovecot and Postfix, and prints
// the process's peak resident memory (VmHWM, see watchHighWater). Run it with
// scripts/bench-memory.
func TestPeakMemory25MiB(t *testing.T) {
	if !*peakMemory {
		t.Skip("peak-memory measurement: run scripts/bench-memory")
	}
	mailstack.Required(t)
	s := mailstack.Start(t, mailstack.Options{Users: []string{bureau}})
	msg := bigInvitation(18 << 20)
	s.Append(t, bureau, "INBOX", msg)
	if *binPath == "" {
		t.Fatal("-bin (a prebuilt caucusgate) is required")
	}
	dir := t.TempDir()
	config := writeBenchConfig(t, dir, s, benchConfig{start: "all", relay: s.SMTPAddr})
	cmd := exec.Command(*binPath, "run", "-once", "-config", config)
	cmd.Env = append(os.Environ(), "BENCH_PASSWORD="+s.Password)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	hwm := watchHighWater(cmd.Process.Pid)
	err := cmd.Wait()
	peak := <-hwm
	if err != nil {
		t.Fatalf("caucusgate run -once: %v: %s", err, out.Bytes())
	}
	t.Logf("caucusgate's output (GODEBUG=gctrace=1 in the environment adds the collector's):\n%s", out.Bytes())
	elapsed := time.Since(start)
	if err := waitDelivered(s, caucus, 1, budget, nil); err != nil {
		t.Fatal(err)
	}
	rusage := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	fmt.Printf("caucusgate forwarded one %.1f MiB message in %v; peak RSS %.1f MiB (VmHWM); getrusage maxrss %.1f MiB\n",
		float64(len(msg))/(1<<20), elapsed.Round(time.Millisecond), float64(peak)/1024, float64(rusage.Maxrss)/1024)
}

// watchHighWater polls the process's VmHWM (KiB) until it is gone and
// sends the last value read. getrusage's maxrss is no measure here: Go
// starts a child with vfork, and Linux's exec records the high-water mark
// of the memory it replaces, this test process's own (which holds the
// message and its base64 twice), as the child's starting maxrss. VmHWM
// belongs to the child's own address space; it only grows, so the last
// reading before exit misses at most the last few milliseconds.
func watchHighWater(pid int) <-chan int64 {
	ch := make(chan int64, 1)
	go func() {
		var last int64
		path := fmt.Sprintf("/proc/%d/status", pid)
		for {
			b, err := os.ReadFile(path)
			v, ok := vmHWM(b)
			if err != nil || !ok {
				ch <- last
				return
			}
			last = v
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return ch
}

func vmHWM(status []byte) (int64, bool) {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// bigInvitation is an invitation with an attachment of n random bytes.
func bigInvitation(n int) []byte {
	payload := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range payload {
		payload[i] = byte(r.Uint32())
	}
	var b bytes.Buffer
	b.WriteString("From: ITU Events <events@itu.int>\r\nTo: " + bureau + "\r\nSubject: Invitation with the full report\r\n" +
		"Message-ID: <big@itu.int>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nThe report is attached.\r\n--b\r\n" +
		"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=report.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(payload)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--b--\r\n")
	return b.Bytes()
}
