package queue

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"caucusgate/internal/cputime"
	"caucusgate/queue/queuetest"
)

// discardDeliverer accepts every delivery after reading its bytes.
type discardDeliverer struct{}

func (d discardDeliverer) Deliver(_ context.Context, _ Delivery, raw io.Reader) error {
	_, err := io.Copy(io.Discard, raw)
	return err
}

// BenchmarkDelivery measures one message of ~90 kB with one delivery, from
// intake to its "sent" record, through River's poll or through the
// hand-off (with the bytes in memory). Its CPU figure, the process's user
// and system time per message, is comparable between the two on a busy
// machine; ns/op is not, and River's includes its poll interval.
func BenchmarkDelivery(b *testing.B) {
	body := string(bytes.Repeat([]byte("Lorem ipsum dolor sit amet, consectetur adipiscing.\r\n"), 1700)) // ~90 kB
	for i, backend := range queuetest.DSNs(b) {
		for _, path := range []string{"river", "handoff"} {
			b.Run(fmt.Sprintf("%s/%s", backend.Name, path), func(b *testing.B) {
				done := make(chan DeliveryOutcome, 1)
				// A fresh store each: UIDs start again at 1.
				s := openTest(b, queuetest.DSNs(b)[i].DSN, Options{FetchPollInterval: 200 * time.Millisecond,
					OnOutcome: func(o DeliveryOutcome) { done <- o }})
				if err := s.Start(context.Background(), discardDeliverer{}); err != nil {
					b.Fatal(err)
				}
				if path == "river" {
					setGrace(b, s, 0) // intake reserves nothing for the senders
				}
				begin(b, s, 1, 0)
				ctx := context.Background()
				uid := uint32(0)
				b.ReportAllocs()
				cpu0 := cputime.Process()
				for b.Loop() {
					uid++
					m := message(uid, fmt.Sprintf("<%d@bench>", uid), body, "gender")
					out, err := s.Intake(ctx, inbox, 1, []Incoming{m})
					if err != nil {
						b.Fatal(err)
					}
					if path == "handoff" {
						s.HandOff(ctx, Offer{DeliveryIDs: out[0].DeliveryIDs, Raw: m.Raw})
					}
					if o := <-done; o.State != StateSent {
						b.Fatalf("delivery %s: %v", o.State, o.Err)
					}
				}
				b.ReportMetric(float64((cputime.Process()-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
			})
		}
	}
}
