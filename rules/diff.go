package rules

import (
	"slices"
	"strings"
)

// Summary is what changed between two rule sets, for the reload log.
type Summary struct {
	RulesAdded, RulesRemoved, RulesChanged          []string // rule names
	CaucusesAdded, CaucusesRemoved, CaucusesChanged []string // caucus ids
	// OtherChanged is true when the bureau, forwarding or replies settings
	// or the order of the rules changed.
	OtherChanged bool
}

// Diff compares two sets; a nil old set counts as empty.
func Diff(old, new *Set) Summary {
	if old == nil {
		old = &Set{}
	}
	if new == nil {
		new = &Set{}
	}
	var s Summary
	s.RulesAdded, s.RulesRemoved, s.RulesChanged = diffPrints(old.prints, new.prints)
	s.CaucusesAdded, s.CaucusesRemoved, s.CaucusesChanged = diffPrints(old.cprints, new.cprints)
	reordered := len(s.RulesAdded)+len(s.RulesRemoved) == 0 && !slices.Equal(ruleNames(old), ruleNames(new))
	s.OtherChanged = reordered || !equalSettings(old, new)
	return s
}

func diffPrints(old, new map[string]string) (added, removed, changed []string) {
	for k, v := range new {
		if ov, ok := old[k]; !ok {
			added = append(added, k)
		} else if ov != v {
			changed = append(changed, k)
		}
	}
	for k := range old {
		if _, ok := new[k]; !ok {
			removed = append(removed, k)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	slices.Sort(changed)
	return added, removed, changed
}

func ruleNames(s *Set) []string {
	names := make([]string, len(s.rules))
	for i, r := range s.rules {
		names[i] = r.name
	}
	return names
}

func equalSettings(a, b *Set) bool {
	return slices.Equal(a.bureau.Members, b.bureau.Members) && slices.Equal(a.bureau.Moderators, b.bureau.Moderators) &&
		a.bureau.RequireAuth == b.bureau.RequireAuth && a.bureau.Verify == b.bureau.Verify && slices.Equal(a.bureau.TrustedAuthserv, b.bureau.TrustedAuthserv) &&
		slices.Equal(a.bureau.TagKeywords, b.bureau.TagKeywords) && a.bureau.HoldOutsiderTags == b.bureau.HoldOutsiderTags &&
		a.bureau.HoldExpiry == b.bureau.HoldExpiry && a.forwarding == b.forwarding && a.replies == b.replies
}

// Empty reports whether nothing changed.
func (s Summary) Empty() bool {
	return len(s.RulesAdded)+len(s.RulesRemoved)+len(s.RulesChanged)+
		len(s.CaucusesAdded)+len(s.CaucusesRemoved)+len(s.CaucusesChanged) == 0 && !s.OtherChanged
}

// String is one line for a log: "rules +a -b ~c; caucuses +x".
func (s Summary) String() string {
	if s.Empty() {
		return "no change"
	}
	var parts []string
	if p := signed(s.RulesAdded, s.RulesRemoved, s.RulesChanged); p != "" {
		parts = append(parts, "rules "+p)
	}
	if p := signed(s.CaucusesAdded, s.CaucusesRemoved, s.CaucusesChanged); p != "" {
		parts = append(parts, "caucuses "+p)
	}
	if s.OtherChanged {
		parts = append(parts, "settings or rule order changed")
	}
	return strings.Join(parts, "; ")
}

func signed(added, removed, changed []string) string {
	var out []string
	for _, g := range []struct {
		sign  string
		names []string
	}{{"+", added}, {"-", removed}, {"~", changed}} {
		for _, n := range g.names {
			out = append(out, g.sign+n)
		}
	}
	return strings.Join(out, " ")
}
