package queue

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"caucusgate/queue/queuetest"
)

// BenchmarkIntake measures intake throughput: batches of 1 and 50
// messages of about 20 KiB, each with one delivery and its job.
func BenchmarkIntake(b *testing.B) {
	body := string(bytes.Repeat([]byte("Lorem ipsum dolor sit amet, consectetur.\r\n"), 480)) // ~20 KiB
	for _, backend := range queuetest.DSNs(b) {
		for _, batch := range []int{1, 50} {
			b.Run(fmt.Sprintf("%s/batch=%d", backend.Name, batch), func(b *testing.B) {
				// b.Loop runs this function once, so each store is fresh.
				s := openTest(b, backend.DSN, Options{})
				begin(b, s, 1, 0)
				uid := uint32(0)
				ctx := context.Background()
				b.SetBytes(int64(len(body) * batch))
				b.ResetTimer()
				for b.Loop() {
					msgs := make([]Incoming, batch)
					for i := range msgs {
						uid++
						msgs[i] = message(uid, fmt.Sprintf("<%d@bench>", uid), body, "gender")
					}
					if _, err := s.Intake(ctx, inbox, 1, msgs); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
			})
		}
	}
}
