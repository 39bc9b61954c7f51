package rules

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"caucusgate/trust"
)

// input is the message under evaluation, with the lower-cased text fields
// that case-insensitive literal conditions share, computed once.
type input struct {
	m       *Message
	set     *Set
	fields  []fieldCache   // by textCond.slot
	trusted *trust.Verdict // computed when a condition or a tag needs it
	whys    map[string]string
	arena   []Step // the trace's steps, allocated in chunks
	scratch []Step // a stack of the steps of blocks being evaluated

	from, subject, body []string // fields' values, made once
}

// fieldCache is what a decision computes once of a text field.
type fieldCache struct {
	lowered    loweredField
	pairs      *pairSet // nil when the text holds fold specials
	hasLower   bool
	hasPairs   bool
	special    bool // a value holds a fold special
	hasSpecial bool
}

// foldSpecial says whether one of a field's values holds a fold special.
func (x *input) foldSpecial(slot int, values []string) bool {
	f := x.field(slot)
	if !f.hasSpecial {
		f.hasSpecial = true
		for _, v := range values {
			f.special = f.special || hasFoldSpecial(v)
		}
	}
	return f.special
}

func (x *input) field(slot int) *fieldCache {
	if slot >= len(x.fields) {
		n := slot + 1
		if x.set != nil {
			n = max(n, len(x.set.fieldSlots))
		}
		x.fields = append(x.fields, make([]fieldCache, n-len(x.fields))...)
	}
	return &x.fields[slot]
}

// pop moves the steps pushed on the scratch stack since base into the
// arena, and returns them: a trace over hundreds of rules costs a few
// allocations, not one a rule.
func (x *input) pop(base int) []Step {
	s := x.keep(x.scratch[base:])
	clear(x.scratch[base:])
	x.scratch = x.scratch[:base]
	return s
}

// keep copies steps into the arena and returns the copy.
func (x *input) keep(steps []Step) []Step {
	n := len(steps)
	if cap(x.arena)-len(x.arena) < n {
		x.arena = make([]Step, 0, max(n, 16))
	}
	s := append(x.arena[len(x.arena):len(x.arena):len(x.arena)+n], steps...)
	x.arena = x.arena[:len(x.arena)+n]
	return s
}

// why returns the explanation of a miss on the field named key, made once
// a message: hundreds of rules test the same field.
func (x *input) why(key string, values []string, explain func([]string) string) string {
	if w, ok := x.whys[key]; ok {
		return w
	}
	w := explain(values)
	if x.whys == nil {
		x.whys = map[string]string{}
	}
	x.whys[key] = w
	return w
}

// verdict is the set's Verdict on the message, computed once.
func (x *input) verdict() trust.Verdict {
	if x.trusted == nil {
		v := x.set.Verdict(x.m)
		x.trusted = &v
	}
	return *x.trusted
}

// loweredField is a field's values in lower case, and whether any holds a
// rune that only regexp folds right (see foldSpecials).
type loweredField struct {
	values  []string
	special bool
}

func (x *input) lowered(slot int, values []string) loweredField {
	f := x.field(slot)
	if f.hasLower {
		return f.lowered
	}
	l := loweredField{values: make([]string, len(values))}
	for i, v := range values {
		l.values[i] = strings.ToLower(v)
		l.special = l.special || hasFoldSpecial(v)
	}
	f.lowered, f.hasLower = l, true
	return l
}

// textCond matches a text field against a Go regular expression, unanchored.
// An expression that is only literals ("(?i)invitation|consultation") is
// matched with substring search instead, which is many times faster on
// bodies and gives the same answers.
type textCond struct {
	what  string
	slot  int // the field's slot in input's cache
	field func(*input) []string
	re    *regexp.Regexp
	lits  []string // non-nil: the expression is these literals
	// litWhys are the steps' whys when lits[i] matched.
	litWhys []string
	fold    bool // lits are lower case, to find in lower-cased text
	// need is a literal every match contains (lower case when needFold):
	// text without it is skipped without running the regexp.
	need     string
	needFold bool
	// needLeads: every match starts with need, so that none starts
	// before need's first place, and the regexp starts there.
	needLeads bool
}

func (c textCond) eval(x *input) Step {
	values := c.field(x)
	for i := range values {
		if found, lit, ok := c.find(x, values, i); ok {
			if lit >= 0 {
				return Step{What: c.what, Matched: true, Why: c.litWhys[lit]}
			}
			return Step{What: c.what, Matched: true, Why: matchedWhy(found)}
		}
	}
	if len(values) == 0 {
		return Step{What: c.what, Why: whyAbsent}
	}
	// The text is in the stored message: repeating it in every failed
	// step would cost more than the whole evaluation.
	return Step{What: c.what, Why: whyNoMatch}
}

const whyAbsent, whyNoMatch = "absent", "no match"

func (c textCond) staticMisses() []Step {
	return []Step{{What: c.what, Why: whyAbsent}, {What: c.what, Why: whyNoMatch}}
}

func matchedWhy(found string) string { return "matched " + strconv.Quote(clip(found)) }

// find looks in values[i] and returns what matched: lits[lit] when lit is
// not -1. Case-insensitive literals are looked for in the text as it is,
// ignoring ASCII case, unless the field holds a fold special, which only
// the regexp reads right.
func (c textCond) find(x *input, values []string, i int) (found string, lit int, ok bool) {
	v := values[i]
	if c.lits == nil && c.need == "" {
		return c.findRegexp(v)
	}
	search := strings.Index
	if c.fold || c.needFold {
		if x.foldSpecial(c.slot, values) {
			return c.findRegexp(v)
		}
		search = indexFoldASCII
	} else if hasFoldSpecial(v) {
		return c.findRegexp(v)
	}
	if c.lits == nil {
		// need is only a prefilter: the regexp decides.
		at := search(v, c.need)
		if at < 0 {
			return "", -1, false
		}
		if c.needLeads {
			return c.findRegexp(v[at:])
		}
		return c.findRegexp(v)
	}
	for j, l := range c.lits {
		if search(v, l) >= 0 {
			return l, j, true
		}
	}
	return "", -1, false
}

func (c textCond) findRegexp(v string) (string, int, bool) {
	loc := c.re.FindStringIndex(v)
	if loc == nil {
		return "", -1, false
	}
	return v[loc[0]:loc[1]], -1, true
}

// foldSpecials are the non-ASCII runes that case-fold to ASCII letters
// (Kelvin sign, long s): text holding them takes the regexp path, so that
// the literal path never disagrees with regexp's (?i).
const foldSpecials = "\u212A\u017F"

func hasFoldSpecial(s string) bool {
	return !isPlainASCII(s) && strings.ContainsAny(s, foldSpecials)
}

// literalsOf returns the literals an expression is an alternation of, and
// whether they are case-insensitive; ok is false for anything else, or for
// literals that are not ASCII.
func literalsOf(expr string) (lits []string, fold, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false, false
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpAlternate {
		subs = re.Sub
	}
	for i, s := range subs {
		if s.Op != syntax.OpLiteral {
			return nil, false, false
		}
		f := s.Flags&syntax.FoldCase != 0
		if i > 0 && f != fold {
			return nil, false, false
		}
		fold = f
		lit := string(s.Rune)
		if !isPlainASCII(lit) {
			return nil, false, false
		}
		if fold {
			lit = strings.ToLower(lit)
		}
		lits = append(lits, lit)
	}
	return lits, fold, true
}

// requiredLiteral returns the longest ASCII literal that an expression
// concatenates at its top level, which every match must contain, and
// whether it is the first thing the expression matches (leads).
func requiredLiteral(expr string) (lit string, fold, leads bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", false, false
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat {
		return "", false, false
	}
	for i, s := range re.Sub {
		l := string(s.Rune)
		if s.Op == syntax.OpLiteral && isPlainASCII(l) && len(l) > len(lit) {
			lit, fold, leads = l, s.Flags&syntax.FoldCase != 0, i == 0
		}
	}
	if fold {
		lit = strings.ToLower(lit)
	}
	return lit, fold, leads
}

// clip shortens s for a trace line, without converting all of it.
func clip(s string) string {
	const most = 80
	n := 0
	for i := range s {
		if n == most {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// The fields' values are made once a message: hundreds of conditions
// read them.
func subjectField(x *input) []string {
	if x.subject == nil {
		x.subject = []string{x.m.Subject}
	}
	return x.subject
}

func bodyField(x *input) []string {
	if x.body == nil {
		x.body = nonEmpty(x.m.Body)
		if x.body == nil {
			x.body = []string{}
		}
	}
	return x.body
}

func headerField(name string) func(*input) []string {
	return func(x *input) []string { return x.m.header(name) }
}
