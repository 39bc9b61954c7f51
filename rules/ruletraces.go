package rules

import (
	"bytes"
	"encoding/json"
)

// RuleTraces is the rules' part of a trace, one RuleTrace a rule run. A
// decision records it compactly: the run of rules it went through and the
// few it evaluated in full. Every other rule of the run missed on its
// prefilter, and its trace was built when the rules compiled. The list is
// rendered only when asked for (All, String, JSON): a decision over
// hundreds of rules then costs microseconds, not the hundreds of entries
// nobody may read.
//
// Its JSON is the whole list, as `caucusgate test -json` prints it, or,
// after [RuleTraces.Compact], the form a store keeps (see storedtrace.go).
type RuleTraces struct {
	set    *Set       // the set whose rules were run; nil: a list, or a stored trace no set renders
	from   int        // the position in the file of the first rule run
	n      int        // how many were run
	full   []ruleEval // those evaluated in full, ascending by position in the run
	list   []RuleTrace
	digest ruleDigest // a stored trace's: of the rules up to the last one run
	stored bool       // JSON writes the stored form
}

// ruleEval is a rule evaluated in full, at its position in the run.
type ruleEval struct {
	at    int
	trace RuleTrace
}

// RuleTracesOf is a list of rule traces as given, a decoded trace say.
func RuleTracesOf(list []RuleTrace) RuleTraces { return RuleTraces{list: list} }

// Len is how many rules ran.
func (r RuleTraces) Len() int {
	if r.list != nil {
		return len(r.list)
	}
	return r.n
}

// IsZero says no rule ran; JSON then omits the field.
func (r RuleTraces) IsZero() bool { return r.Len() == 0 }

// All renders the list, in the order the rules ran.
func (r RuleTraces) All() []RuleTrace {
	if r.list != nil || r.n == 0 {
		return r.list
	}
	size := r.n
	if r.set == nil {
		size = 2*len(r.full) + 1
	}
	out := make([]RuleTrace, 0, size)
	r.each(func(t RuleTrace, _ *rule) { out = append(out, t) })
	return out
}

// each calls f with every rule's trace, and the compiled rule when its
// trace is its prefilter's miss.
func (r RuleTraces) each(f func(t RuleTrace, missed *rule)) {
	if r.set == nil {
		r.eachUnbound(f)
		return
	}
	full := r.full
	for i := range r.n {
		if len(full) > 0 && full[0].at == i {
			f(full[0].trace, nil)
			full = full[1:]
			continue
		}
		rl := r.set.rules[r.from+i]
		f(RuleTrace{Rule: rl.name, Steps: rl.missSteps}, rl)
	}
}

// eachUnbound is each for a stored trace no set renders: one trace for
// each run of misses, which says they cannot be shown.
func (r RuleTraces) eachUnbound(f func(t RuleTrace, missed *rule)) {
	next := 0
	for _, e := range r.full {
		if e.at > next {
			f(unknownMisses(r.from+next, r.from+e.at-1), nil)
		}
		f(e.trace, nil)
		next = e.at + 1
	}
	if next < r.n {
		f(unknownMisses(r.from+next, r.from+r.n-1), nil)
	}
}

// start begins a run of the set's rules at position from.
func (r *RuleTraces) start(s *Set, from int) { r.set, r.from = s, from }

// record notes a rule evaluated in full. Rules run in order: one evaluated
// in full after missed ones makes them part of the run.
func (r *RuleTraces) record(at int, t RuleTrace) {
	r.full = append(withRoom(r.full), ruleEval{at: at, trace: t})
	r.n = at + 1
}

// missed notes a rule its prefilter proved a miss.
func (r *RuleTraces) missed(at int) { r.n = at + 1 }

// MarshalJSON writes the list as json.Marshal writes a []RuleTrace, or the
// stored form. A missed rule's entry is the same bytes for every message:
// they were encoded when the rules compiled.
func (r RuleTraces) MarshalJSON() ([]byte, error) {
	switch {
	case r.list != nil || r.n == 0:
		return json.Marshal(r.list)
	case r.set == nil || (r.stored && r.set.digests != nil):
		return r.marshalStored()
	}
	var b bytes.Buffer
	b.Grow(r.encodedSize())
	b.WriteByte('[')
	var err error
	r.each(func(t RuleTrace, missed *rule) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		if missed != nil && missed.missJSON != nil {
			b.Write(missed.missJSON)
			return
		}
		enc, e := json.Marshal(t)
		if e != nil && err == nil {
			err = e
		}
		b.Write(enc)
	})
	b.WriteByte(']')
	return b.Bytes(), err
}

// encodedSize is about the length of the list's JSON: the missed rules'
// entries are known, the ones evaluated in full guessed. The buffer then
// grows once, not a dozen times over the tens of kilobytes of a big file.
func (r RuleTraces) encodedSize() int {
	n := 2 + len(r.full)*512
	full := r.full
	for i := range r.n {
		if len(full) > 0 && full[0].at == i {
			full = full[1:]
			continue
		}
		n += len(r.set.rules[r.from+i].missJSON) + 1
	}
	return n
}

// UnmarshalJSON reads what MarshalJSON wrote: a list, or the stored form.
func (r *RuleTraces) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimLeft(b, " \t\r\n"); len(b) > 0 && b[0] == '{' {
		return r.unmarshalStored(b)
	}
	var list []RuleTrace
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*r = RuleTraces{list: list}
	return nil
}

// missTraceJSON is the JSON entry of a rule its prefilter proved a miss.
func missTraceJSON(r *rule) []byte {
	b, err := json.Marshal(RuleTrace{Rule: r.name, Steps: r.missSteps})
	if err != nil {
		return nil // each falls back to encoding it per message
	}
	return b
}
