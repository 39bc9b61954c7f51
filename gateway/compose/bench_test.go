package compose

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"io"
	"runtime"
	"strings"
	"testing"
)

// benchSize is forwarding.max_message_size's default.
const benchSize = 25 << 20

// bigMessage streams a 25 MiB invitation with a base64 attachment without
// holding it, so that what the benchmark measures is Write's memory.
func bigMessage() io.Reader {
	head := "From: Amélie Dupont <amelie@itu.int>\r\nTo: bureau@example.org\r\n" +
		"Subject: Big programme\r\nMessage-ID: <big@itu.int>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	line := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 57))[:76] + "\r\n"
	tail := "--b--\r\n"
	lines := (benchSize - len(head) - len(tail)) / len(line)
	return io.MultiReader(strings.NewReader(head), &repeatReader{line: line, n: lines}, strings.NewReader(tail))
}

type repeatReader struct {
	line string
	n    int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.line[r.off:])
	if r.off += n; r.off == len(r.line) {
		r.off, r.n = 0, r.n-1
	}
	return n, nil
}

// BenchmarkWrite25MiB reports the bytes Write allocates while composing a
// 25 MiB message ("alloc-B/op"), an upper bound on the heap it adds at its
// peak, and the heap in use right after ("heap-inuse-B").
func BenchmarkWrite25MiB(b *testing.B) {
	for _, mode := range []Mode{Resend, Encapsulate} {
		b.Run(string(mode), func(b *testing.B) {
			benchCompose(b, func(w io.Writer) error { return Write(w, testSpec(mode), bigMessage()) })
		})
	}
	b.Run("resend+dkim", func(b *testing.B) {
		_, key, _ := ed25519.GenerateKey(nil)
		s := NewDKIMSigner("example.org", "cg2025", key)
		s.TempDir = b.TempDir()
		benchCompose(b, func(w io.Writer) error {
			pr, pw := io.Pipe()
			go func() { pw.CloseWithError(Write(pw, testSpec(Resend), bigMessage())) }()
			return s.Sign(w, pr)
		})
	})
}

func benchCompose(b *testing.B, compose func(io.Writer) error) {
	b.SetBytes(benchSize)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if err := compose(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N), "alloc-B/op")
	b.ReportMetric(float64(after.HeapInuse), "heap-inuse-B")
}
