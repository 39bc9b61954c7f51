package gateway

import (
	"testing"
	"time"

	"caucusgate/rules"
)

// TestRulesStatusFollowsTheLastAttempt: after a refused edit, restoring
// the file that is in force makes the status good again, and the status
// always says when the last attempt was.
func TestRulesStatusFollowsTheLastAttempt(t *testing.T) {
	set := &rules.Set{}
	h := NewRulesHolder(set)
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	h.Loaded(set, "rules.yaml", "v1", t0)
	if s := h.Status(); !s.OK() || !s.AttemptAt.Equal(t0) || s.Version != "v1" {
		t.Fatalf("after the start: %+v", s)
	}
	h.Failed("rules.yaml", []string{"rules.yaml:3:5: unknown caucus"}, t0.Add(time.Minute))
	if s := h.Status(); s.OK() || len(s.Problems) != 1 || s.Version != "v1" || !s.AttemptAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after a bad edit: %+v", s)
	}
	h.Unchanged("rules.yaml", t0.Add(2*time.Minute))
	s := h.Status()
	if !s.OK() || len(s.Problems) != 0 || s.Version != "v1" || !s.LoadedAt.Equal(t0) || !s.AttemptAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after restoring the file in force: %+v", s)
	}
	if h.Current() != set {
		t.Fatal("restoring replaced the set in force")
	}
}
