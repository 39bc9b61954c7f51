package rules

import (
	"fmt"
	"strings"

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

func newCompiler(file string, pos *yamlfile.Positions) *compiler {
	return &compiler{file: file, pos: pos, set: &Set{file: file, byID: map[string]int{}}}
}

func (c *compiler) errorf(path, format string, args ...any) {
	c.diags = append(c.diags, c.pos.Errorf(path, format, args...))
}

func (c *compiler) warnf(path, format string, args ...any) {
	c.diags = append(c.diags, c.pos.Warnf(path, format, args...))
}

func (c *compiler) compile(root *fileRoot) *Set {
	c.compileCaucuses(root.Caucuses)
	for i := range root.Rules {
		c.compileRule(i, &root.Rules[i])
	}
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
	return Caucus{
		ID: id, Name: fc.Name, Address: fc.Address, Members: fc.Members, Tags: fc.Tags,
		Moderators: fc.Moderators, Mode: fc.Mode, SubjectPrefix: fc.SubjectPrefix, Schedule: fc.Schedule,
	}
}

func (c *compiler) compileRule(i int, fr *fileRule) {
	path := yamlfile.Index("rules", i)
	name := strings.TrimSpace(fr.Name)
	if name == "" {
		name = fmt.Sprintf("rules[%d]", i)
	}
	r := &rule{name: name, index: i, hold: fr.Hold, discard: fr.Discard, stop: fr.Stop, schedule: fr.Schedule, mode: fr.Mode}
	if fr.When != nil {
		r.when = c.compileWhen(path+".when", fr.When)
	}
	for j, id := range fr.Forward {
		if _, ok := c.set.byID[id]; !ok {
			c.errorf(yamlfile.Index(path+".forward", j), "unknown caucus %q%s", id, c.suggestCaucus(id))
			continue
		}
		r.forward = append(r.forward, id)
	}
	if fr.Reject.set {
		r.reject = &fr.Reject
	}
	c.set.rules = append(c.set.rules, r)
}

// suggestCaucus returns "; did you mean …?" naming the closest caucus id, or
// the list of ids.
func (c *compiler) suggestCaucus(id string) string {
	ids := make([]string, len(c.set.caucuses))
	for i, cc := range c.set.caucuses {
		ids[i] = cc.ID
	}
	if best, ok := closest(id, ids); ok {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	if len(ids) == 0 {
		return "; the file defines no caucuses"
	}
	return "; known caucuses: " + strings.Join(ids, ", ")
}
