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
type RuleTraces struct {
	rules []*rule    // the set's rules, from the first one run
	n     int        // how many were run
	full  []ruleEval // those evaluated in full, ascending by position
	list  []RuleTrace
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
	out := make([]RuleTrace, 0, r.n)
	r.each(func(t RuleTrace, _ *rule) { out = append(out, t) })
	return out
}

// each calls f with every rule's trace, and the compiled rule when its
// trace is its prefilter's miss.
func (r RuleTraces) each(f func(t RuleTrace, missed *rule)) {
	full := r.full
	for i := range r.n {
		if len(full) > 0 && full[0].at == i {
			f(full[0].trace, nil)
			full = full[1:]
			continue
		}
		rl := r.rules[i]
		f(RuleTrace{Rule: rl.name, Steps: rl.missSteps}, rl)
	}
}

// record notes a rule evaluated in full. Rules run in order: one evaluated
// in full after missed ones makes them part of the run.
func (r *RuleTraces) record(at int, t RuleTrace) {
	r.full = append(withRoom(r.full), ruleEval{at: at, trace: t})
	r.n = at + 1
}

// missed notes a rule its prefilter proved a miss.
func (r *RuleTraces) missed(at int) { r.n = at + 1 }

// MarshalJSON writes the list as json.Marshal writes a []RuleTrace. A
// missed rule's entry is the same bytes for every message: they were
// encoded when the rules compiled.
func (r RuleTraces) MarshalJSON() ([]byte, error) {
	if r.list != nil || r.n == 0 {
		return json.Marshal(r.list)
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
		n += len(r.rules[i].missJSON) + 1
	}
	return n
}

// UnmarshalJSON reads a list written by MarshalJSON.
func (r *RuleTraces) UnmarshalJSON(b []byte) error {
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
