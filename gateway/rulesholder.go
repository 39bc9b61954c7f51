package gateway

import (
	"sync/atomic"

	"caucusgate/rules"
)

// RulesHolder holds the rule set in force. A reload swaps it atomically; a
// batch in progress keeps the set it started with.
type RulesHolder struct {
	current atomic.Pointer[rules.Set]
}

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
