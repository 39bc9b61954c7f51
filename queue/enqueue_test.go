package queue

import (
	"context"
	"testing"
)

func TestAddDeliveriesAfterIntake(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		begin(t, s, 3, 0)
		out := intake(t, s, 3, message(1, "<n@x>", "held one"))
		ids, err := s.AddDeliveries(ctx, out[0].MessageRef, forward("notice-to-moderator"))
		if err != nil || len(ids) != 1 {
			t.Fatalf("AddDeliveries = %v, %v", ids, err)
		}
		d, err := s.DeliveryByID(ctx, ids[0])
		if err != nil || d.MessageRef != out[0].MessageRef || d.State != StatePending || d.Caucus != "notice-to-moderator" {
			t.Fatalf("delivery = %+v, %v", d, err)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM river_job WHERE kind = 'delivery'"); n != 1 {
			t.Fatalf("%d delivery jobs, want the one added", n)
		}
		if _, err := s.AddDeliveries(ctx, 999999, forward("x")); err == nil {
			t.Fatal("AddDeliveries for an unknown message succeeded")
		}
	})
}
