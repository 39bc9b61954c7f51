package gateway

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	invitations "caucusgate/gateway/invitation"
	"caucusgate/internal/cputime"
)

// benchCorpus is the messages intake benchmarks read: the .eml files of
// $CAUCUSGATE_BENCH_MAIL (say, scripts/genmail -n 20 -seed 1's), else one
// message with a 250 kB attachment.
func benchCorpus(b *testing.B) [][]byte {
	dir := os.Getenv("CAUCUSGATE_BENCH_MAIL")
	if dir == "" {
		return [][]byte{withAttachment(250 << 10)}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no .eml in %s: %v", dir, err)
	}
	var corpus [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		corpus = append(corpus, raw)
	}
	return corpus
}

// BenchmarkReadForwarded reads each message of the corpus as intake reads
// one it forwards to caucuses: the rules' facts, then the invitation.
func BenchmarkReadForwarded(b *testing.B) {
	corpus := benchCorpus(b)
	r := invitations.NewReader(&invitations.Options{Zone: time.UTC})
	received := time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC)
	var size int64
	for _, raw := range corpus {
		size += int64(len(raw))
		r.Read(invitations.Message{Raw: raw, Received: received}) // locale data loads once
	}
	b.SetBytes(size / int64(len(corpus)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Process()
	n := 0
	for ; b.Loop(); n++ {
		raw := corpus[n%len(corpus)]
		msg := parseInbound(raw)
		r.Read(invitations.Message{Raw: raw, Subject: msg.Facts.Subject, Received: received})
	}
	cputime.Report(b, cpu, n)
}
