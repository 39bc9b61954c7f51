package rules

import "strings"

// prefilter proves, without evaluating a rule, that its first condition
// misses on a message: the rule's trace is then the one evaluation would
// give, built when the rules compile. In a file of hundreds of rules most
// miss there, and this is what keeps a decision in microseconds.
type prefilter interface {
	misses(x *input) bool
}

// compilePrefilter returns the rule's prefilter and the steps of its miss,
// or nil when its first condition has none.
func compilePrefilter(when cond) (prefilter, []Step) {
	all, ok := when.(allOf)
	if !ok || len(all.conds) == 0 {
		return nil, nil
	}
	if all.firstAny != nil {
		return anyPrefilter(all.firstAny)
	}
	p := condPrefilter(all.conds[0])
	if p == nil {
		return nil, nil
	}
	shared, _ := all.sharedFirst(Step{Why: whyNoMatch})
	return p, shared
}

// anyPrefilter proves that every block of an any misses on its first
// condition.
func anyPrefilter(a *anyOf) (prefilter, []Step) {
	var ps anyPre
	whys := make([]string, len(a.conds))
	for i, c := range a.conds {
		p := condPrefilter(c.(allOf).conds[0])
		if p == nil {
			return nil, nil
		}
		ps = append(ps, p)
		whys[i] = whyNoMatch
	}
	shared, ok := a.allMissed[strings.Join(whys, "|")]
	if !ok || len(shared) == 0 {
		return nil, nil
	}
	return ps, a.wrap[&shared[0]]
}

func condPrefilter(c cond) prefilter {
	switch c := c.(type) {
	case addressCond:
		return addressPre{c}
	case listIDCond:
		return listIDPre{c}
	case textCond:
		return newTextPre(c)
	}
	return nil
}

type anyPre []prefilter

func (ps anyPre) misses(x *input) bool {
	for _, p := range ps {
		if !p.misses(x) {
			return false
		}
	}
	return true
}

// listIDPre misses when there is a List-Id and none matches.
type listIDPre struct{ c listIDCond }

func (p listIDPre) misses(x *input) bool {
	values := x.m.header("List-Id")
	if len(values) == 0 {
		return false // the step says "no List-Id"
	}
	for _, v := range values {
		if p.c.glob.match(listID(v)) {
			return false
		}
	}
	return true
}

// addressPre misses when there are addresses and none matches the glob:
// the condition's own test, without building its step.
type addressPre struct{ c addressCond }

func (p addressPre) misses(x *input) bool {
	values := p.c.field(x)
	if len(values) == 0 {
		return false // the step says "no address"
	}
	for _, v := range values {
		if p.c.glob.match(v) {
			return false
		}
	}
	return true
}

// textPre misses when the field has text and none of the literals the
// expression needs can be in it: one of each literal's byte pairs is
// absent from the lower-cased text.
type textPre struct {
	c    textCond
	lits [][]uint16 // each literal's byte pairs
}

func newTextPre(c textCond) prefilter {
	lits := c.lits
	switch {
	case c.lits != nil && c.fold:
	case c.lits == nil && c.need != "" && c.needFold:
		lits = []string{c.need}
	default:
		return nil
	}
	p := textPre{c: c}
	for _, l := range lits {
		if len(l) < 2 {
			return nil
		}
		p.lits = append(p.lits, pairsOf(l))
	}
	return p
}

func (p textPre) misses(x *input) bool {
	values := p.c.field(x)
	if len(values) == 0 {
		return false // the step says "absent"
	}
	set := x.pairs(p.c.slot, values)
	if set == nil {
		return false
	}
	for _, lit := range p.lits {
		if set.hasAll(lit) {
			return false
		}
	}
	return true
}

// pairSet is the set of byte pairs of a text, 7 bits a byte: bytes above
// 127 fold onto others, which can only make a literal look present.
type pairSet [256]uint64

func pairIndex(a, b byte) uint16 { return uint16(a&0x7f)<<7 | uint16(b&0x7f) }

func pairsOf(s string) []uint16 {
	out := make([]uint16, 0, len(s)-1)
	for i := 0; i+1 < len(s); i++ {
		out = append(out, pairIndex(s[i], s[i+1]))
	}
	return out
}

func (s *pairSet) add(text string) {
	for i := 0; i+1 < len(text); i++ {
		k := pairIndex(text[i], text[i+1])
		s[k>>6] |= 1 << (k & 63)
	}
}

func (s *pairSet) hasAll(pairs []uint16) bool {
	for _, k := range pairs {
		if s[k>>6]&(1<<(k&63)) == 0 {
			return false
		}
	}
	return true
}

// pairs returns the byte pairs of a field's lower-cased values, made once
// a message; nil when the text holds runes only regexp folds right. Plain
// ASCII text, lower-cased byte by byte, gives its pairs without being
// lower-cased first.
func (x *input) pairs(slot int, values []string) *pairSet {
	f := x.field(slot)
	if f.hasPairs {
		return f.pairs
	}
	f.hasPairs = true
	if allPlainASCII(values) {
		f.special, f.hasSpecial = false, true // no fold special is ASCII
		f.pairs = x.newPairSet()
		for _, v := range values {
			f.pairs.addFolded(v)
		}
		return f.pairs
	}
	l := x.lowered(slot, values)
	if !l.special {
		f.pairs = x.newPairSet()
		for _, v := range l.values {
			f.pairs.add(v)
		}
	}
	return f.pairs
}

// addFolded adds the pairs of ASCII text as lower-cased.
func (s *pairSet) addFolded(text string) {
	if len(text) < 2 {
		return
	}
	prev := uint(foldedBytes[text[0]]) << 7
	for i := 1; i < len(text); i++ {
		c := uint(foldedBytes[text[i]])
		k := prev | c
		s[(k>>6)&255] |= 1 << (k & 63)
		prev = c << 7
	}
}

// foldedBytes are the bytes lower-cased as ASCII and cut to 7 bits, as
// pairIndex cuts them.
var foldedBytes = func() (t [256]byte) {
	for i := range t {
		t[i] = lowerASCIIByte(byte(i)) & 0x7f
	}
	return t
}()

func lowerASCIIByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func allPlainASCII(values []string) bool {
	for _, v := range values {
		if !isPlainASCII(v) {
			return false
		}
	}
	return true
}

// newPairSet takes an empty pair set from the set's pool.
func (x *input) newPairSet() *pairSet {
	if x.set == nil || x.set.pairSets == nil {
		return new(pairSet)
	}
	return x.set.pairSets.Get().(*pairSet)
}

// release gives the decision's pair sets back to the set's pool, emptied:
// nothing of a decision refers to them.
func (x *input) release() {
	if x.set == nil || x.set.pairSets == nil {
		return
	}
	for i := range x.fields {
		if p := x.fields[i].pairs; p != nil {
			*p = pairSet{}
			x.set.pairSets.Put(p)
			x.fields[i].pairs = nil
		}
	}
}
