package rules

// cond is one compiled condition of a `when` block.
type cond interface {
	eval(x *input) Step
}

// allOf matches when every condition matches; it stops at the first that
// does not, which is the one the trace needs to explain a miss.
type allOf struct {
	what  string
	conds []cond
	// firstMisses are the trace steps of a miss on the first condition
	// when its step is the same for every message (a text condition's "no
	// match"): most rules of a big file stop there, and share them.
	firstMisses []sharedMiss
	// firstAny is the first condition when it is an any block whose
	// misses are shared too.
	firstAny *anyOf
}

type sharedMiss struct {
	why   string
	steps []Step
}

// staticMisser is a condition whose misses read the same whatever the
// message: their steps can be built once, when the rules are compiled.
type staticMisser interface {
	staticMisses() []Step
}

func newAllOf(what string, conds []cond) allOf {
	a := allOf{what: what, conds: conds}
	if len(conds) == 0 {
		return a
	}
	if any, ok := conds[0].(anyOf); ok && any.wrap != nil {
		a.firstAny = &any
	}
	if sm, ok := conds[0].(staticMisser); ok {
		for _, st := range sm.staticMisses() {
			a.firstMisses = append(a.firstMisses, sharedMiss{st.Why, []Step{st}})
		}
	}
	return a
}

func (a allOf) eval(x *input) Step {
	if len(a.conds) == 0 {
		return Step{What: a.what, Matched: true}
	}
	first := a.conds[0].eval(x)
	if !first.Matched {
		if shared, ok := a.sharedFirst(first); ok {
			return Step{What: a.what, Steps: shared}
		}
	}
	base := len(x.scratch)
	x.scratch = append(x.scratch, first)
	matched := first.Matched
	for _, c := range a.conds[1:] {
		if !matched {
			break
		}
		sub := c.eval(x)
		x.scratch = append(x.scratch, sub)
		matched = sub.Matched
	}
	return Step{What: a.what, Matched: matched, Steps: x.pop(base)}
}

// sharedFirst returns the prebuilt steps of a miss on the first condition.
func (a allOf) sharedFirst(sub Step) ([]Step, bool) {
	if a.firstAny != nil {
		if len(sub.Steps) == 0 {
			return nil, false
		}
		w, ok := a.firstAny.wrap[&sub.Steps[0]]
		return w, ok
	}
	if len(sub.Steps) != 0 {
		return nil, false
	}
	for _, m := range a.firstMisses {
		if m.why == sub.Why {
			return m.steps, true
		}
	}
	return nil, false
}

// anyOf matches when one condition matches; it stops at the first that does.
type anyOf struct {
	conds []cond
	// allMissed are the trace steps when every block missed on its first
	// condition with a shared step, by the misses' whys joined with "|".
	allMissed map[string][]Step
	// wrap holds each of those, wrapped in the any block's own step, by
	// the address of its first step: a rule's when that starts with the
	// block shares it too.
	wrap map[*Step][]Step
}

func newAnyOf(conds []cond) anyOf {
	a := anyOf{conds: conds, allMissed: map[string][]Step{"": nil}}
	for _, c := range conds {
		all, ok := c.(allOf)
		if !ok || all.firstMisses == nil {
			return anyOf{conds: conds}
		}
		next := map[string][]Step{}
		for key, steps := range a.allMissed {
			for _, m := range all.firstMisses {
				k := m.why
				if key != "" {
					k = key + "|" + m.why
				}
				next[k] = append(append([]Step(nil), steps...), Step{What: all.what, Steps: m.steps})
			}
		}
		a.allMissed = next
	}
	a.wrap = map[*Step][]Step{}
	for _, steps := range a.allMissed {
		a.wrap[&steps[0]] = []Step{{What: "any", Steps: steps}}
	}
	return a
}

func (a anyOf) eval(x *input) Step {
	base := len(x.scratch)
	for _, c := range a.conds {
		sub := c.eval(x)
		x.scratch = append(x.scratch, sub)
		if sub.Matched {
			return Step{What: "any", Matched: true, Steps: x.pop(base)}
		}
	}
	if shared, ok := a.sharedMiss(x.scratch[base:]); ok {
		x.scratch = x.scratch[:base]
		return Step{What: "any", Steps: shared}
	}
	return Step{What: "any", Steps: x.pop(base)}
}

// sharedMiss returns the prebuilt steps of this miss, when every block
// missed on its first condition with a shared step.
func (a anyOf) sharedMiss(steps []Step) ([]Step, bool) {
	if a.allMissed == nil {
		return nil, false
	}
	var key [64]byte
	k := key[:0]
	for i, st := range steps {
		shared, ok := a.conds[i].(allOf).sharedFirstOf(st)
		if !ok {
			return nil, false
		}
		if i > 0 {
			k = append(k, '|')
		}
		k = append(k, shared...)
	}
	shared, ok := a.allMissed[string(k)]
	return shared, ok
}

// sharedFirstOf reports the why of a step this block returned from its
// shared misses.
func (a allOf) sharedFirstOf(st Step) (string, bool) {
	if len(st.Steps) != 1 {
		return "", false
	}
	for _, m := range a.firstMisses {
		if &m.steps[0] == &st.Steps[0] {
			return m.why, true
		}
	}
	return "", false
}

type notOf struct {
	inner cond
}

func (n notOf) eval(x *input) Step {
	sub := n.inner.eval(x)
	base := len(x.scratch)
	x.scratch = append(x.scratch, sub)
	return Step{What: "not", Matched: !sub.Matched, Steps: x.pop(base)}
}

// addressCond matches an address field against a glob; a list field (To,
// Cc) matches when one of its addresses does.
type addressCond struct {
	what  string
	key   string // the field's name, for input's cache
	field func(*input) []string
	glob  glob
}

func (c addressCond) eval(x *input) Step {
	values := c.field(x)
	for _, v := range values {
		if c.glob.match(v) {
			return Step{What: c.what, Matched: true, Why: v + " matches"}
		}
	}
	// As for text, the addresses are in the stored message: the step says
	// only whether there were any, and is the same for every message.
	if len(values) == 0 {
		return Step{What: c.what, Why: whyNoAddress}
	}
	return Step{What: c.what, Why: whyNoMatch}
}

const whyNoAddress = "no address"

func (c addressCond) staticMisses() []Step {
	return []Step{{What: c.what, Why: whyNoAddress}, {What: c.what, Why: whyNoMatch}}
}

func fromField(x *input) []string {
	if x.from == nil {
		x.from = nonEmpty(x.m.From)
		if x.from == nil {
			x.from = []string{}
		}
	}
	return x.from
}
func toField(x *input) []string { return x.m.To }
func ccField(x *input) []string { return x.m.Cc }

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
