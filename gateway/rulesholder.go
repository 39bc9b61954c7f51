package gateway

import (
	"sync"
	"sync/atomic"
	"time"

	"caucusgate/rules"
)

// RulesHolder holds the rule set in force and the state of its file. A
// reload swaps the set atomically; a batch in progress keeps the set it
// started with. A bad edit leaves the set in force and is remembered, so
// that the admin page and the logs can say why.
type RulesHolder struct {
	current atomic.Pointer[rules.Set]

	mu     sync.Mutex
	status RulesStatus
}

// RulesStatus is what admins see of the rules file.
type RulesStatus struct {
	File     string
	Version  string    // of the set in force: a hash of the file it came from
	LoadedAt time.Time // when the set in force was loaded
	// AttemptAt is the last attempt to load the file (the start, SIGHUP, a
	// change of the file), AttemptOK whether the file then held valid rules
	// (the set in force: loaded, or unchanged from it).
	AttemptAt time.Time
	AttemptOK bool
	// FailedAt is the last attempt that failed; Problems are its problems
	// while the last attempt is a failure, and empty once one succeeds.
	FailedAt time.Time
	Problems []string // FILE:LINE:COLUMN: message
}

// OK reports whether the last attempt to load the file succeeded: what the
// file holds is what is in force.
func (s RulesStatus) OK() bool { return s.AttemptAt.IsZero() || s.AttemptOK }

// NewRulesHolder holds set.
func NewRulesHolder(set *rules.Set) *RulesHolder {
	h := &RulesHolder{}
	h.current.Store(set)
	return h
}

// Current returns the set in force.
func (h *RulesHolder) Current() *rules.Set { return h.current.Load() }

// Replace puts set in force.
func (h *RulesHolder) Replace(set *rules.Set) { h.current.Store(set) }

// Loaded puts set, read from file at version, in force.
func (h *RulesHolder) Loaded(set *rules.Set, file, version string, at time.Time) {
	h.current.Store(set)
	h.mu.Lock()
	h.status.File, h.status.Version, h.status.LoadedAt = file, version, at
	h.succeeded(at)
	h.mu.Unlock()
}

// Unchanged records an attempt that found file holding the set in force
// (restored after a bad edit, or saved without change).
func (h *RulesHolder) Unchanged(file string, at time.Time) {
	h.mu.Lock()
	h.status.File = file
	h.succeeded(at)
	h.mu.Unlock()
}

func (h *RulesHolder) succeeded(at time.Time) {
	h.status.AttemptAt, h.status.AttemptOK, h.status.Problems = at, true, nil
}

// Failed records a load of file that failed; the set in force stays.
func (h *RulesHolder) Failed(file string, problems []string, at time.Time) {
	h.mu.Lock()
	h.status.File, h.status.FailedAt, h.status.Problems = file, at, problems
	h.status.AttemptAt, h.status.AttemptOK = at, false
	h.mu.Unlock()
}

// Status returns the state of the rules file.
func (h *RulesHolder) Status() RulesStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.status
	s.Problems = append([]string(nil), s.Problems...)
	return s
}
