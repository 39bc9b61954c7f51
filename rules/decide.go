package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Decide runs the never-forwarded guards, then the rules, over m and returns
// what to do with it and why. It is deterministic: the same message and set
// always give the same decision.
func (s *Set) Decide(m *Message, env Env) Decision {
	var d Decision
	g, why, steps := guard(m, env)
	d.Trace.Guards = steps
	if g != "" {
		d.NeverForwarded = g
		d.Reason = "never forwarded: " + why
		return d
	}
	ev := evaluation{set: s, msg: m, d: &d}
	ev.run(0)
	ev.finish()
	return d
}

// evaluation is one pass of the rules over a message.
type evaluation struct {
	set      *Set
	msg      *Message
	d        *Decision
	chosen   []string // caucus ids, sorted, each once
	reasons  []string
	terminal bool
}

// run evaluates the rules from index from on, until one stops evaluation.
func (ev *evaluation) run(from int) {
	for _, r := range ev.set.rules[from:] {
		rt := RuleTrace{Rule: r.name, Matched: true}
		if r.when != nil {
			st := r.when.eval(ev.msg)
			rt.Matched, rt.Steps = st.Matched, st.Steps
		}
		if rt.Matched {
			rt.Action = ev.apply(r)
		}
		ev.d.Trace.Rules = append(ev.d.Trace.Rules, rt)
		if ev.terminal {
			return
		}
	}
}

// apply carries out a matching rule's actions and describes them.
func (ev *evaluation) apply(r *rule) string {
	ev.d.Rules = append(ev.d.Rules, r.name)
	var did []string
	if len(r.forward) > 0 {
		ev.add(r.forward...)
		did = append(did, "forward to "+strings.Join(r.forward, ", "))
		ev.reasons = append(ev.reasons, fmt.Sprintf("rule %q forwards to %s", r.name, strings.Join(r.forward, ", ")))
		ev.setOverrides(r)
	}
	if r.stop {
		ev.terminal = true
		did = append(did, "stop")
	}
	if len(did) == 0 {
		return "nothing"
	}
	return strings.Join(did, "; ")
}

func (ev *evaluation) setOverrides(r *rule) {
	if r.mode != "" {
		ev.d.Mode = r.mode
	}
	if r.schedule != "" {
		ev.d.Schedule = r.schedule
	}
}

// add puts ids among the chosen caucuses, keeping them sorted and unique.
func (ev *evaluation) add(ids ...string) {
	for _, id := range ids {
		if i, found := slices.BinarySearch(ev.chosen, id); !found {
			ev.chosen = slices.Insert(ev.chosen, i, id)
		}
	}
}

// finish sets the action from what the rules chose, unless a rule already
// set a final one.
func (ev *evaluation) finish() {
	d := ev.d
	if d.Action == None && len(ev.chosen) > 0 {
		d.Action = Forward
	}
	if d.Action == Forward || d.Action == Hold {
		d.Caucuses = ev.chosen
	}
	if len(ev.reasons) == 0 && d.Reason == "" {
		d.Reason = "no rule matched"
	}
	if d.Reason == "" {
		d.Reason = strings.Join(ev.reasons, "; ")
	}
}
