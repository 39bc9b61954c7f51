package smtprelay

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/textproto"
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

// BenchmarkDotStuff compares net/textproto's DotWriter, which go-smtp's
// Data uses, with the chunked stuffer, on a 250 kB message of base64
// lines, the shape of an invitation with attachments.
func BenchmarkDotStuff(b *testing.B) {
	msg := []byte("From: bureau@example.org\r\nSubject: bench\r\n\r\n" +
		strings.Repeat(strings.Repeat("QUJD", 19)+"\r\n", 250<<10/78))
	b.Run("textproto", func(b *testing.B) {
		w := textproto.NewWriter(bufio.NewWriterSize(io.Discard, 32<<10))
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			dw := w.DotWriter()
			dw.Write(msg)
			dw.Close()
		}
	})
	b.Run("chunked", func(b *testing.B) {
		bw := bufio.NewWriterSize(io.Discard, 32<<10)
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			d := newDotStuffer(bw)
			if _, err := d.Write(msg); err != nil {
				b.Fatal(err)
			}
			if err := d.finish(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
