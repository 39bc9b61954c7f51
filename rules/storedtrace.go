package rules

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// A store keeps a trace with every message, and at hundreds of rules the
// misses are nearly all of it: tens of kilobytes, the same for every
// message, which encoding/json spent a millisecond a message writing. The
// stored form keeps what only the message knows, the rules evaluated in
// full, and refers to the rest by the digest of the rules run:
//
//	{"digest": "...", "from": 0, "ran": 500,
//	 "evaluated": [{"at": 250, "rule": "r250", "matched": true, ...}]}
//
// Every other position from `from` to from+ran-1 missed on its prefilter.
// [RuleTraces.Bind] gives a decoded trace the set that renders those misses
// as the decision saw them; a set whose rules up to the last one run have
// other names or first conditions does not bind, and the misses then show
// by position only (unknownMisses), never as rules they were not. Lists
// stored before this form are read as they were.

// storedRuleTraces is the stored form's JSON.
type storedRuleTraces struct {
	Digest    string       `json:"digest"`
	From      int          `json:"from,omitempty"`
	Ran       int          `json:"ran"`
	Evaluated []storedEval `json:"evaluated,omitempty"`
}

// storedEval is a rule evaluated in full, at its position in the file.
type storedEval struct {
	At int `json:"at"`
	RuleTrace
}

// Compact returns the same trace, whose JSON is the stored form: what a
// store keeps with each message. Rendered, it is the same list.
func (r RuleTraces) Compact() RuleTraces {
	r.stored = true
	return r
}

// Bind returns the decoded trace r rendering its misses from s, when s has
// the rules r ran as they were when it was decided: the same names and
// first conditions up to the last rule run (rules added after it, and
// changes to later conditions and actions, do not matter). Otherwise it
// returns r, whose misses show by position only.
func (r RuleTraces) Bind(s *Set) RuleTraces {
	if r.set != nil || r.list != nil || r.n == 0 || s == nil {
		return r
	}
	if end := r.from + r.n; end < len(s.digests) && s.digests[end] == r.digest {
		r.set = s
	}
	return r
}

func (r RuleTraces) marshalStored() ([]byte, error) {
	digest := r.digest
	if r.set != nil {
		digest = r.set.digests[r.from+r.n]
	}
	out := storedRuleTraces{Digest: base64.RawStdEncoding.EncodeToString(digest[:]), From: r.from, Ran: r.n,
		Evaluated: make([]storedEval, len(r.full))}
	for i, e := range r.full {
		out.Evaluated[i] = storedEval{At: r.from + e.at, RuleTrace: e.trace}
	}
	return json.Marshal(out)
}

func (r *RuleTraces) unmarshalStored(b []byte) error {
	var in storedRuleTraces
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	var digest ruleDigest
	if n, err := base64.RawStdEncoding.Decode(digest[:], []byte(in.Digest)); err != nil || n != len(digest) {
		return fmt.Errorf("stored rule trace: bad digest %q", in.Digest)
	}
	if in.From < 0 || in.Ran < 0 {
		return fmt.Errorf("stored rule trace: bad run of rules from %d, %d run", in.From, in.Ran)
	}
	full := make([]ruleEval, len(in.Evaluated))
	for i, e := range in.Evaluated {
		at := e.At - in.From
		if at < 0 || at >= in.Ran || (i > 0 && at <= full[i-1].at) {
			return fmt.Errorf("stored rule trace: rule %q evaluated at %d, out of the run or of order", e.Rule, e.At)
		}
		full[i] = ruleEval{at: at, trace: e.RuleTrace}
	}
	*r = RuleTraces{from: in.From, n: in.Ran, full: full, digest: digest, stored: true}
	return nil
}

// unknownMisses stands for the rules at positions first to last of a
// stored trace no set renders: they missed on their prefilters, but the
// rules have changed since, and which rules they were is not kept.
func unknownMisses(first, last int) RuleTrace {
	if first == last {
		return RuleTrace{Rule: fmt.Sprintf("rules[%d]", first), Steps: []Step{{What: "missed on its first condition",
			Why: "the rules have changed since this decision; its name and conditions then are not kept"}}}
	}
	return RuleTrace{Rule: fmt.Sprintf("rules[%d] to rules[%d]", first, last), Steps: []Step{{What: "each missed on its first condition",
		Why: "the rules have changed since this decision; their names and conditions then are not kept"}}}
}
