package queue

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"caucusgate/internal/cputime"
	"caucusgate/queue/queuetest"
)

// pathCounter accepts every delivery, counting those sent from the
// hand-off's copy in memory and those whose bytes were read back from the
// store (River's workers).
type pathCounter struct {
	inMemory, fromStore atomic.Int64
}

func (p *pathCounter) Deliver(_ context.Context, _ Delivery, raw io.Reader) error {
	if _, ok := raw.(*bytes.Reader); ok {
		p.inMemory.Add(1)
	} else {
		p.fromStore.Add(1)
	}
	time.Sleep(2 * time.Millisecond) // the relay's answer
	_, err := io.Copy(io.Discard, raw)
	return err
}

// BenchmarkDeliveryBatch measures batches of 30 messages of ~20 kB, one
// delivery each, intaken in one transaction and handed off as the gateway
// does, with 8 senders and River's default poll: River's workers race the
// senders for what they have not claimed yet. river-share is the fraction
// of deliveries River's workers sent (reading the bytes back).
func BenchmarkDeliveryBatch(b *testing.B) {
	const batch = 30
	body := string(bytes.Repeat([]byte("Lorem ipsum dolor sit amet, consectetur.\r\n"), 480)) // ~20 kB
	for _, backend := range queuetest.DSNs(b) {
		b.Run(backend.Name, func(b *testing.B) {
			done := make(chan DeliveryOutcome, batch)
			s := openTest(b, backend.DSN, Options{FetchPollInterval: 200 * time.Millisecond, Workers: 8,
				OnOutcome: func(o DeliveryOutcome) { done <- o }})
			p := &pathCounter{}
			if err := s.Start(context.Background(), p); err != nil {
				b.Fatal(err)
			}
			begin(b, s, 1, 0)
			ctx := context.Background()
			uid := uint32(0)
			b.ReportAllocs()
			cpu0 := cputime.Process()
			for b.Loop() {
				msgs := make([]Incoming, batch)
				for i := range msgs {
					uid++
					msgs[i] = message(uid, fmt.Sprintf("<%d@bench>", uid), body, "gender")
				}
				out, err := s.Intake(ctx, inbox, 1, msgs)
				if err != nil {
					b.Fatal(err)
				}
				for i, o := range out {
					s.HandOff(ctx, Offer{DeliveryIDs: o.DeliveryIDs, Raw: msgs[i].Raw})
				}
				for range batch {
					if o := <-done; o.State != StateSent {
						b.Fatalf("delivery %s: %v", o.State, o.Err)
					}
				}
			}
			n := float64(b.N * batch)
			b.ReportMetric(float64((cputime.Process()-cpu0).Microseconds())/n, "cpu-µs/msg")
			b.ReportMetric(float64(p.fromStore.Load())/n, "river-share")
		})
	}
}
