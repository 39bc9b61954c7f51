package queue

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// TestBounceScore follows Mailman 3's semantics over a sequence of
// bounces of one address: +1 at most once a day, policy adds nothing,
// a stale previous bounce restarts at 1, at the threshold the address is
// disabled and Unsubscribed lists it for every caucus; enable clears it.
func TestBounceScore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{Now: newClock().Now})
		ctx := context.Background()
		day0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		sc := &BounceScoring{Threshold: 3, StaleAfter: 7 * 24 * time.Hour}
		steps := []struct {
			at       time.Time
			class    BounceClass
			scoring  *BounceScoring
			score    float64
			disabled bool
		}{
			{day0, BounceHard, sc, 1, false},
			{day0.Add(5 * time.Hour), BounceHard, sc, 1, false},       // same day: once
			{day0.Add(24 * time.Hour), BouncePolicy, sc, 1, false},    // policy: nothing
			{day0.Add(25 * time.Hour), BounceSoft, nil, 1, false},     // delayed (no scoring): nothing
			{day0.Add(26 * time.Hour), BounceSoft, sc, 2, false},      // next day: +1
			{day0.Add(20 * 24 * time.Hour), BounceHard, sc, 1, false}, // stale: restart at 1
			{day0.Add(21 * 24 * time.Hour), BounceHard, sc, 2, false},
			{day0.Add(22 * 24 * time.Hour), BounceHard, sc, 3, true}, // threshold
		}
		for i, st := range steps {
			b := Bounce{Member: "Ana@Example.net", Caucus: "education", Class: st.class, At: st.at, Scoring: st.scoring}
			if err := s.RecordBounce(ctx, b); err != nil {
				t.Fatal(err)
			}
			got, err := s.MemberStates(ctx)
			if err != nil || len(got) != 1 || got[0].Address != "ana@example.net" || got[0].Score != st.score || got[0].Disabled != st.disabled {
				t.Fatalf("after step %d: %+v %v; want score %.0f disabled %v", i, got, err, st.score, st.disabled)
			}
		}
		unsub, err := s.Unsubscribed(ctx)
		if err != nil || !slices.Equal(unsub[AllCaucuses], []string{"ana@example.net"}) {
			t.Errorf("Unsubscribed = %v, %v; want ana under %q", unsub, err, AllCaucuses)
		}
		if list, _ := s.DisabledUnwarned(ctx); len(list) != 1 {
			t.Errorf("DisabledUnwarned = %+v, want ana", list)
		}
		if err := s.MarkWarned(ctx, "ana@example.net", day0); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.DisabledUnwarned(ctx); len(list) != 0 {
			t.Errorf("after MarkWarned DisabledUnwarned = %+v", list)
		}
		if err := s.EnableMember(ctx, "ANA@example.net", "cli"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.MemberStates(ctx)
		if got[0].Disabled || got[0].Score != 0 || got[0].EnabledBy != "cli" {
			t.Errorf("after enable: %+v", got[0])
		}
		if unsub, _ := s.Unsubscribed(ctx); len(unsub[AllCaucuses]) != 0 {
			t.Errorf("an enabled address is still excluded: %v", unsub)
		}
		if err := s.EnableMember(ctx, "nobody@example.net", "cli"); !errors.Is(err, ErrNotFound) {
			t.Errorf("enable an unknown address: %v, want ErrNotFound", err)
		}
	})
}
