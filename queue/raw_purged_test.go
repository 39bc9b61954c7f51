package queue

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
)

// composingRelay is a Deliverer whose deliveries either copy the original
// (their spec says {"copy": true}, as a forward does) or are messages of
// their own that never read it (a reminder, a notice).
type composingRelay struct {
	mu    sync.Mutex
	calls map[int64]int
}

func (c *composingRelay) Deliver(_ context.Context, d Delivery, raw io.Reader) error {
	c.mu.Lock()
	c.calls[d.ID]++
	c.mu.Unlock()
	var spec struct{ Copy bool }
	if err := json.Unmarshal(d.Spec, &spec); err != nil || !spec.Copy {
		return err
	}
	_, err := io.ReadAll(raw)
	return err
}

func (c *composingRelay) callsFor(id int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[id]
}

// TestOwnMessageDeliveredAfterRetentionPurgedTheOriginal: once retention
// has purged a message's bytes, a delivery that is a message of its own
// (an invitation's reminder, weeks later) is still made; a copy that
// needs the original fails for good, after one attempt.
func TestOwnMessageDeliveredAfterRetentionPurgedTheOriginal(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		relay := &composingRelay{calls: map[int64]int{}}
		outcomes := newRecorder(nil)
		s := openTest(t, dsn, Options{OnOutcome: outcomes.onOutcome})
		if err := s.Start(ctx, relay); err != nil {
			t.Fatal(err)
		}
		begin(t, s, 7, 0)
		ref := intake(t, s, 7, message(1, "<inv@x>", "invitation", "gender"))[0].MessageRef
		outcomes.waitOutcomes(t, 1)
		if n, err := s.PurgeRaw(ctx, -1); err != nil || n != 1 {
			t.Fatalf("PurgeRaw = %d, %v; want the invitation's bytes purged", n, err)
		}
		ids, err := s.AddDeliveries(ctx, ref, []NewDelivery{
			{Recipients: []string{"ana@example.net"}, Spec: json.RawMessage(`{"reminder": true}`)},
			{Caucus: "gender", Recipients: []string{"g@example.org"}, Spec: json.RawMessage(`{"copy": true}`)},
		})
		if err != nil {
			t.Fatal(err)
		}
		outcomes.waitOutcomes(t, 2)
		own, copied := readDelivery(t, s, ids[0]), readDelivery(t, s, ids[1])
		if own.State != StateSent || relay.callsFor(ids[0]) != 1 {
			t.Errorf("delivery of its own message = %+v after %d calls, want sent: it needs no original", own, relay.callsFor(ids[0]))
		}
		if copied.State != StateFailed || !strings.Contains(copied.LastError, ErrRawPurged.Error()) || copied.Started != 1 {
			t.Errorf("copy of a purged original = %+v, want failed for good after one attempt, saying why", copied)
		}
	})
}
