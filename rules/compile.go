package rules

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"caucusgate/internal/typo"
	"caucusgate/internal/yamlfile"
)

// compiler turns the decoded file into a Set, collecting every problem with
// its position.
type compiler struct {
	file  string
	pos   *yamlfile.Positions
	diags yamlfile.Diagnostics
	set   *Set
}

// fieldSlot returns the cache slot of the text field named key.
func (c *compiler) fieldSlot(key string) int {
	if s, ok := c.set.fieldSlots[key]; ok {
		return s
	}
	if c.set.fieldSlots == nil {
		c.set.fieldSlots = map[string]int{}
	}
	s := len(c.set.fieldSlots)
	c.set.fieldSlots[key] = s
	return s
}

func newCompiler(file string, pos *yamlfile.Positions) *compiler {
	return &compiler{file: file, pos: pos, set: &Set{file: file, byID: map[string]int{}, fileIndex: map[string]int{},
		pairSets: &sync.Pool{New: func() any { return new(pairSet) }}}}
}

func (c *compiler) errorf(path, format string, args ...any) {
	c.diags = append(c.diags, c.pos.Errorf(path, format, args...))
}

func (c *compiler) warnf(path, format string, args ...any) {
	c.diags = append(c.diags, c.pos.Warnf(path, format, args...))
}

func (c *compiler) compile(root *fileRoot) *Set {
	c.compileBureau(root.Bureau)
	c.compileForwarding(root.Forwarding)
	c.compileReplies(root.Replies)
	c.compileCaucuses(root.Caucuses)
	c.compileNames()
	names := map[string]int{}
	for i := range root.Rules {
		c.compileRule(i, &root.Rules[i], names)
	}
	c.checkShadowed(root.Rules)
	c.set.index = indexRules(c.set.rules)
	c.set.digests = digestRules(c.set.rules)
	c.set.members = map[string]bool{}
	for _, m := range c.set.bureau.Members {
		c.set.members[m] = true
	}
	c.set.tags = newTagParser(c.set.bureau.TagKeywords)
	return c.set
}

func (c *compiler) compileCaucuses(list []fileCaucus) {
	for i, fc := range list {
		path := yamlfile.Index("caucuses", i)
		id := strings.TrimSpace(fc.ID)
		switch {
		case id == "":
			c.errorf(path, "caucus without an id")
			continue
		case strings.ContainsAny(id, " \t\r\n,[]:<>@"):
			c.errorf(path+".id", "bad caucus id %q: use letters, digits, - or _", fc.ID)
			continue
		}
		if prev, dup := c.set.byID[id]; dup {
			c.errorf(path+".id", "duplicate caucus id %q (first is caucuses[%d])", id, prev)
			continue
		}
		c.set.byID[id] = len(c.set.caucuses)
		c.set.fileIndex[id] = i
		c.set.caucuses = append(c.set.caucuses, c.caucus(path, id, fc))
	}
}

func (c *compiler) caucus(path, id string, fc fileCaucus) Caucus {
	if fc.Address == "" && len(fc.Members) == 0 {
		c.errorf(path, "caucus %q needs an address (a list) or members (a roster)", id)
	}
	if fc.Address != "" && len(fc.Members) > 0 {
		c.errorf(path+".members", "caucus %q has both an address and members: give one", id)
	}
	if fc.Address != "" && !looksLikeAddress(fc.Address) {
		c.errorf(path+".address", "bad address %q: write a bare address such as caucus-gender@example.org", fc.Address)
	}
	c.checkAddresses(path+".members", fc.Members)
	c.checkAddresses(path+".moderators", fc.Moderators)
	cc := Caucus{
		ID: id, Name: or(fc.Name, id), Address: strings.ToLower(fc.Address), Members: lowerAll(fc.Members), Tags: fc.Tags,
		Moderators: lowerAll(fc.Moderators), Mode: or(fc.Mode, c.set.forwarding.Mode), SubjectPrefix: fc.SubjectPrefix,
		Schedule: or(fc.Schedule, immediate), ReplySchedule: fc.ReplySchedule,
		ListID: strings.ToLower(strings.Trim(strings.TrimSpace(fc.ListID), "<>")), Responders: lowerAll(fc.Responders),
	}
	if cc.ListID == "" && cc.Address != "" {
		cc.ListID = strings.Replace(cc.Address, "@", ".", 1)
	}
	c.checkAddresses(path+".responders", fc.Responders)
	c.checkMode(path+".mode", cc.Mode)
	c.checkSchedule(path+".schedule", cc.Schedule)
	c.checkSchedule(path+".reply_schedule", cc.ReplySchedule)
	if strings.ContainsAny(cc.Name+cc.SubjectPrefix, "\r\n") {
		c.errorf(path, "caucus %q: name and subject_prefix must be one line (they go into headers)", id)
	}
	c.fingerprint(&c.set.cprints, id, fc)
	return cc
}

func (c *compiler) compileRule(i int, fr *fileRule, names map[string]int) {
	path := yamlfile.Index("rules", i)
	name := strings.TrimSpace(fr.Name)
	if name == "" {
		c.errorf(path, "rule without a name: the name is what traces and logs show")
		name = fmt.Sprintf("rules[%d]", i)
	}
	if prev, dup := names[name]; dup {
		c.errorf(path+".name", "duplicate rule name %q (first is rules[%d])", name, prev)
	}
	names[name] = i
	r := &rule{name: name, index: i, hold: fr.Hold, discard: fr.Discard, stop: fr.Stop, schedule: fr.Schedule, replySchedule: fr.ReplySchedule, mode: fr.Mode}
	if fr.When != nil {
		r.when = c.compileWhen(path+".when", fr.When)
		r.pre, r.missSteps = compilePrefilter(r.when)
		if r.pre != nil {
			r.missJSON = missTraceJSON(r)
		}
	}
	for j, id := range fr.Forward {
		if _, ok := c.set.byID[id]; !ok {
			c.errorf(yamlfile.Index(path+".forward", j), "unknown caucus %q%s", id, c.suggestCaucus(id))
			continue
		}
		r.forward = append(r.forward, id)
	}
	if len(r.forward) > 0 {
		r.forwardDid = "forward to " + strings.Join(r.forward, ", ")
		r.forwardReason = fmt.Sprintf("rule %q forwards to %s", r.name, strings.Join(r.forward, ", "))
	}
	c.compileActions(path, fr, r)
	c.checkFromAlone(i, fr)
	c.fingerprint(&c.set.prints, name, fr)
	c.set.rules = append(c.set.rules, r)
}

func (c *compiler) compileActions(path string, fr *fileRule, r *rule) {
	finals := 0
	for _, on := range []bool{fr.Hold, fr.Reject.set, fr.Discard} {
		if on {
			finals++
		}
	}
	if finals > 1 {
		c.errorf(path, "rule %q: give one of hold, reject and discard", r.name)
	}
	if fr.Discard && len(fr.Forward) > 0 {
		c.errorf(path+".discard", "rule %q both forwards and discards", r.name)
	}
	if fr.Reject.set {
		r.reject = c.noticeTemplate(path+".reject", fr.Reject)
	}
	if fr.Hold && !c.hasModerators(r.forward) {
		c.warnf(path+".hold", "rule %q holds messages, but there are no moderators (bureau.moderators, or the caucuses' moderators) to approve them", r.name)
	}
	if r.mode != "" {
		c.checkMode(path+".mode", r.mode)
	}
	c.checkSchedule(path+".schedule", r.schedule)
	c.checkSchedule(path+".reply_schedule", r.replySchedule)
	if len(fr.Forward) == 0 && finals == 0 && !fr.Stop {
		c.warnf(path, "rule %q does nothing: give it forward, hold, reject, discard or stop", r.name)
	}
}

func (c *compiler) hasModerators(caucuses []string) bool {
	if len(c.set.bureau.Moderators) > 0 {
		return true
	}
	for _, id := range caucuses {
		if cc, ok := c.set.Caucus(id); ok && len(cc.Moderators) > 0 {
			return true
		}
	}
	return false
}

// fingerprint records v's canonical form under key, for Diff.
func (c *compiler) fingerprint(m *map[string]string, key string, v any) {
	if *m == nil {
		*m = map[string]string{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprint(err))
	}
	(*m)[key] = string(b)
}

// suggestCaucus returns "; did you mean …?" naming the closest caucus id, or
// the list of ids.
func (c *compiler) suggestCaucus(id string) string {
	ids := make([]string, len(c.set.caucuses))
	for i, cc := range c.set.caucuses {
		ids[i] = cc.ID
	}
	if best, ok := typo.Closest(id, ids); ok {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	if len(ids) == 0 {
		return "; the file defines no caucuses"
	}
	return "; known caucuses: " + strings.Join(ids, ", ")
}
