package smtprelay

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// BenchmarkSend measures messages a second through the in-process relay
// over four sessions, with a 10 KiB body, the size of a typical invitation
// without attachments.
func BenchmarkSend(b *testing.B) {
	ts := startServer(b, &testBackend{discard: true}, serverOpts{})
	r := newRelay(b, Config{URL: ts.url("smtp"), Sessions: 4, MaxPerConnection: 1 << 30})
	body := []byte("From: bureau@example.org\r\nSubject: bench\r\n\r\n" +
		strings.Repeat(strings.Repeat("x", 78)+"\r\n", 128))
	env := Envelope{From: "bureau@example.org", To: []string{"gender@example.org"}}
	b.SetBytes(int64(len(body)))
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Send(context.Background(), env, bytes.NewReader(body)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if accepted, _ := ts.listener.counts(); accepted > 4 {
		b.Errorf("%d connections for 4 sessions", accepted)
	}
}
