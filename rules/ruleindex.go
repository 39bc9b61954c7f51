package rules

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
)

// ruleIndex finds, from a message's fields, the rules whose prefilter may
// not miss: the candidates. Every other rule's prefilter misses, so its
// trace is its miss, built when the rules compiled, and a decision visits
// the few candidates instead of asking each of hundreds of rules. The index
// only ever errs towards a candidate: a candidate's prefilter still runs,
// and decides as it did before.
type ruleIndex struct {
	always bitmap // rules without a prefilter, or with one the index cannot key
	globs  []*globIndex
	texts  []*textIndex
}

// bitmap is a set of rule positions.
type bitmap []uint64

func newBitmap(n int) bitmap { return make(bitmap, (n+63)/64) }

func (b bitmap) set(i int32) { b[i>>6] |= 1 << (uint(i) & 63) }

func (b bitmap) setAll(rules []int32) {
	for _, i := range rules {
		b.set(i)
	}
}

// next returns the first position at or after i in the set, or -1.
func (b bitmap) next(i int) int {
	w := i >> 6
	if w >= len(b) {
		return -1
	}
	if rest := b[w] >> (uint(i) & 63); rest != 0 {
		return i + bits.TrailingZeros64(rest)
	}
	for w++; w < len(b); w++ {
		if b[w] != 0 {
			return w<<6 + bits.TrailingZeros64(b[w])
		}
	}
	return -1
}

// globIndex keys the address and List-Id prefilters of one field by the
// fixed text of their globs (exact, suffix or prefix, all ASCII), lower-cased.
type globIndex struct {
	key    string // from, to, cc or list_id
	field  func(*input) []string
	listID bool // the values are List-Id fields: match their ids
	// all are every rule keyed here: candidates when the field is empty
	// (the step says there is none) or a value is not plain ASCII.
	all                    []int32
	exact, suffix, prefix  map[string][]int32
	suffixLens, prefixLens []int
}

// textIndex keys the text prefilters of one field by one byte pair of each
// literal, the one fewest literals of the file share: a rule is a candidate
// when that pair is in the field's text.
type textIndex struct {
	slot   int
	field  func(*input) []string
	all    []int32 // candidates when the field is absent or has fold specials
	byPair []pairRules
}

type pairRules struct {
	pair  uint16
	rules []int32
}

// indexRules builds the index of a set's rules.
func indexRules(rules []*rule) *ruleIndex {
	b := indexBuilder{ix: &ruleIndex{always: newBitmap(len(rules))}, pairCount: map[uint16]int{}}
	for i, r := range rules {
		if r.pre == nil || !b.keyable(r.pre) {
			b.ix.always.set(int32(i))
			continue
		}
		b.countPairs(r.pre)
	}
	for i, r := range rules {
		if r.pre != nil && b.keyable(r.pre) {
			b.add(int32(i), r.pre)
		}
	}
	b.finish()
	return b.ix
}

type indexBuilder struct {
	ix        *ruleIndex
	pairCount map[uint16]int // how many literals hold each byte pair
	pairs     map[int]map[uint16][]int32
}

// keyable says whether every part of a prefilter can be keyed.
func (b *indexBuilder) keyable(p prefilter) bool {
	switch p := p.(type) {
	case anyPre:
		for _, sub := range p {
			if !b.keyable(sub) {
				return false
			}
		}
		return true
	case addressPre:
		return p.c.glob.kind != globRegexp
	case listIDPre:
		return p.c.glob.kind != globRegexp
	case textPre:
		return true
	}
	return false
}

func (b *indexBuilder) countPairs(p prefilter) {
	switch p := p.(type) {
	case anyPre:
		for _, sub := range p {
			b.countPairs(sub)
		}
	case textPre:
		for _, lit := range p.lits {
			for _, k := range uniquePairs(lit) {
				b.pairCount[k]++
			}
		}
	}
}

func uniquePairs(lit []uint16) []uint16 {
	u := slices.Clone(lit)
	slices.Sort(u)
	return slices.Compact(u)
}

func (b *indexBuilder) add(rule int32, p prefilter) {
	switch p := p.(type) {
	case anyPre:
		for _, sub := range p {
			b.add(rule, sub)
		}
	case addressPre:
		b.addGlob(b.globIndex(p.c.key, p.c.field, false), rule, p.c.glob)
	case listIDPre:
		b.addGlob(b.globIndex("list_id", listIDValues, true), rule, p.c.glob)
	case textPre:
		t := b.textIndex(p.c.slot, p.c.field)
		t.all = append(t.all, rule)
		for _, lit := range p.lits {
			k := b.rarestPair(lit)
			b.pairs[t.slot][k] = append(b.pairs[t.slot][k], rule)
		}
	}
}

// rarestPair is the byte pair of lit fewest literals hold; the last one
// among equals, past a common stem.
func (b *indexBuilder) rarestPair(lit []uint16) uint16 {
	best := lit[0]
	for _, k := range lit[1:] {
		if b.pairCount[k] <= b.pairCount[best] {
			best = k
		}
	}
	return best
}

func listIDValues(x *input) []string { return x.m.header("List-Id") }

func (b *indexBuilder) globIndex(key string, field func(*input) []string, listID bool) *globIndex {
	for _, g := range b.ix.globs {
		if g.key == key {
			return g
		}
	}
	g := &globIndex{key: key, field: field, listID: listID,
		exact: map[string][]int32{}, suffix: map[string][]int32{}, prefix: map[string][]int32{}}
	b.ix.globs = append(b.ix.globs, g)
	return g
}

func (b *indexBuilder) addGlob(g *globIndex, rule int32, gl glob) {
	g.all = append(g.all, rule)
	fixed := strings.ToLower(gl.fixed)
	switch gl.kind {
	case globExact:
		g.exact[fixed] = append(g.exact[fixed], rule)
	case globSuffix:
		g.suffix[fixed] = append(g.suffix[fixed], rule)
		g.suffixLens = append(g.suffixLens, len(fixed))
	case globPrefix:
		g.prefix[fixed] = append(g.prefix[fixed], rule)
		g.prefixLens = append(g.prefixLens, len(fixed))
	}
}

func (b *indexBuilder) textIndex(slot int, field func(*input) []string) *textIndex {
	for _, t := range b.ix.texts {
		if t.slot == slot {
			return t
		}
	}
	t := &textIndex{slot: slot, field: field}
	b.ix.texts = append(b.ix.texts, t)
	if b.pairs == nil {
		b.pairs = map[int]map[uint16][]int32{}
	}
	b.pairs[slot] = map[uint16][]int32{}
	return t
}

func (b *indexBuilder) finish() {
	for _, g := range b.ix.globs {
		g.suffixLens = sortedUnique(g.suffixLens)
		g.prefixLens = sortedUnique(g.prefixLens)
	}
	for _, t := range b.ix.texts {
		for k, rules := range b.pairs[t.slot] {
			t.byPair = append(t.byPair, pairRules{pair: k, rules: rules})
		}
		sort.Slice(t.byPair, func(i, j int) bool { return t.byPair[i].pair < t.byPair[j].pair })
	}
}

func sortedUnique(s []int) []int {
	slices.Sort(s)
	return slices.Compact(s)
}

// candidates returns the rules whose prefilter may not miss on x.
func (ix *ruleIndex) candidates(x *input) bitmap {
	cand := slices.Clone(ix.always)
	for _, g := range ix.globs {
		g.mark(x, cand)
	}
	for _, t := range ix.texts {
		t.mark(x, cand)
	}
	return cand
}

func (g *globIndex) mark(x *input, cand bitmap) {
	values := g.field(x)
	if len(values) == 0 {
		cand.setAll(g.all)
		return
	}
	var buf [256]byte
	for _, v := range values {
		if g.listID {
			v = listID(v)
		}
		if len(v) > len(buf) || !isPlainASCII(v) {
			cand.setAll(g.all)
			return
		}
		low := lowerASCII(buf[:0], v)
		cand.setAll(g.exact[string(low)])
		for _, n := range g.suffixLens {
			if n > len(low) {
				break
			}
			cand.setAll(g.suffix[string(low[len(low)-n:])])
		}
		for _, n := range g.prefixLens {
			if n > len(low) {
				break
			}
			cand.setAll(g.prefix[string(low[:n])])
		}
	}
}

func lowerASCII(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func (t *textIndex) mark(x *input, cand bitmap) {
	values := t.field(x)
	if len(values) == 0 {
		cand.setAll(t.all)
		return
	}
	set := x.pairs(t.slot, values)
	if set == nil {
		cand.setAll(t.all)
		return
	}
	for _, pr := range t.byPair {
		if set[pr.pair>>6]&(1<<(pr.pair&63)) != 0 {
			cand.setAll(pr.rules)
		}
	}
}
