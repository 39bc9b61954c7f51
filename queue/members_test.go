package queue

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestBounceCounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now})
		ctx := context.Background()
		begin(t, s, 7, 0)
		out := intake(t, s, 7, message(1, "<inv@x>", "invitation", "education"))
		t0 := clock.Now()
		dsn1 := message(2, "<dsn@x>", "report")
		dsn1.Decision = "discard"
		dsn1.Bounces = []Bounce{{DeliveryID: out[0].DeliveryIDs[0], Member: "Bo@Example.org", Caucus: "education",
			Class: BounceHard, Status: "5.1.1", Diagnostic: "smtp; 550 5.1.1 unknown"}}
		intake(t, s, 7, dsn1)
		for _, b := range []Bounce{
			{Member: "bo@example.org", Caucus: "education", Class: BounceSoft, Status: "4.2.2", At: t0.Add(time.Hour)},
			{Member: "bo@example.org", Caucus: "education", Class: BouncePolicy, Status: "5.7.1", At: t0.Add(30 * time.Minute)},
			{Member: "ana@example.org", Caucus: "education", Class: BounceSoft, At: t0.Add(2 * time.Hour)},
			{Member: "bo@example.org", Caucus: "gender", Class: BounceHard, At: t0},
		} {
			if err := s.RecordBounce(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.BounceCounts(ctx)
		want := []MemberBounces{
			{ID: "education/ana@example.org", Caucus: "education", Member: "ana@example.org", Soft: 1, Last: t0.Add(2 * time.Hour)},
			{ID: "education/bo@example.org", Caucus: "education", Member: "bo@example.org", Hard: 1, Soft: 1, Policy: 1, Last: t0.Add(time.Hour)},
			{ID: "gender/bo@example.org", Caucus: "gender", Member: "bo@example.org", Hard: 1, Last: t0},
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("BounceCounts = %+v, %v\nwant %+v", got, err, want)
		}
		for _, bad := range []Bounce{{Member: "x@y", Class: "bouncy"}, {Class: BounceHard}} {
			if err := s.RecordBounce(ctx, bad); err == nil {
				t.Errorf("RecordBounce(%+v) succeeded", bad)
			}
		}
	})
}

func TestUnsubscriptions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		steps := []struct{ caucus, member string }{
			{"education", "Bo@Example.org"}, {"education", "bo@example.org"}, {"gender", "bo@example.org"},
			{"education", "ana@example.org"},
		}
		for i, st := range steps {
			if err := s.Unsubscribe(ctx, st.caucus, st.member, at.Add(time.Duration(i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Resubscribe(ctx, "gender", "BO@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := s.Resubscribe(ctx, "gender", "never@example.org"); err != nil {
			t.Errorf("Resubscribe of a member never unsubscribed: %v", err)
		}
		got, err := s.Unsubscribed(ctx)
		want := map[string][]string{"education": {"ana@example.org", "bo@example.org"}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Unsubscribed = %v, %v; want %v", got, err, want)
		}
		list, _ := s.Unsubscriptions(ctx)
		if len(list) != 2 || list[1].ID != "education/bo@example.org" || !list[1].At.Equal(at) {
			t.Errorf("Unsubscriptions = %+v, want bo's first time %v kept", list, at)
		}
	})
}

func TestCircuitBreakerRelays(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		s := openTest(t, dsn, Options{Now: clock.Now})
		ctx := context.Background()
		begin(t, s, 7, 0)
		t0 := clock.Now()
		for i := range 3 {
			if err := s.RecordRelay(ctx, "delivery:1", t0.Add(time.Duration(i)*20*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordRelay(ctx, "delivery:2", t0); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Hour)
		m := reply(1, "zoe@itu.int", slot1)
		m.RelayThread = "delivery:1"
		intake(t, s, 7, m)
		tests := []struct {
			thread string
			since  time.Time
			want   int
		}{
			{"delivery:1", t0, 4},
			{"delivery:1", t0.Add(20 * time.Minute), 3},
			{"delivery:1", t0.Add(61 * time.Minute), 0},
			{"delivery:2", t0, 1},
			{"delivery:3", t0, 0},
		}
		for _, tt := range tests {
			if got, err := s.CountRelays(ctx, tt.thread, tt.since); err != nil || got != tt.want {
				t.Errorf("CountRelays(%s, %v) = %d, %v; want %d", tt.thread, tt.since, got, err, tt.want)
			}
		}
		if n, err := s.PruneRelays(ctx, t0.Add(30*time.Minute)); err != nil || n != 3 {
			t.Errorf("PruneRelays = %d, %v; want 3", n, err)
		}
		if got, _ := s.CountRelays(ctx, "delivery:1", t0); got != 2 {
			t.Errorf("CountRelays after pruning = %d, want 2", got)
		}
	})
}
