package queue

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"caucusgate/internal/cputime"
	"caucusgate/queue/queuetest"
)

// BenchmarkIntakeRawSize measures what a message's raw bytes cost intake
// by size, in the process's CPU time per message (cpu-ns/msg; an op is a
// batch of 20), each message with one delivery and its job, as
// the gateway's. On SQLite the bytes of a message of 32 KiB or more go to
// a file (rawdir.go, rawstage.go), a smaller one's (20 KiB here) to
// raw_chunks, as on PostgreSQL.
//
// Intake alone is not the whole cost: on ext4 without a journal (the
// project's VM), creating a file scans the inodes deleted in the last 30 s
// (ext4's recently_deleted: 0.2-0.4 ms of CPU a file there, 25% of this
// benchmark's profile), so here intake alone costs more with files than
// with chunks, while the whole of run -once spends less per message with
// files (7.7-8.0 -> 5.9-7.0 ms at 284 kB): where the chunks cost it more than
// here is not measured yet.
func BenchmarkIntakeRawSize(b *testing.B) {
	const batch = 20
	for _, backend := range queuetest.DSNs(b) {
		for _, size := range []int{20 << 10, 100 << 10, 284 << 10} {
			b.Run(fmt.Sprintf("%s/size=%dKiB", backend.Name, size>>10), func(b *testing.B) {
				s := openTest(b, backend.DSN, Options{})
				begin(b, s, 1, 0)
				body := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing.\r\n", size/53)
				ctx, uid, msgs := context.Background(), uint32(0), 0
				b.SetBytes(int64(len(body) * batch))
				start := cputime.Process()
				for b.Loop() {
					in := make([]Incoming, batch)
					for i := range in {
						uid++
						in[i] = message(uid, fmt.Sprintf("<%d@bench>", uid), body, "gender")
					}
					if _, err := s.Intake(ctx, inbox, 1, in); err != nil {
						b.Fatal(err)
					}
					msgs += batch
				}
				b.ReportMetric(float64(cputime.Process()-start)/float64(msgs), "cpu-ns/msg")
			})
		}
	}
}
