package rules

import (
	"fmt"
	"os"
	"sync"
	"text/template"

	"caucusgate/internal/yamlfile"
	"caucusgate/trust"
)

// Set is a compiled rules file: immutable once built, and safe for
// concurrent use by any number of goroutines.
type Set struct {
	file       string
	caucuses   []Caucus
	byID       map[string]int
	fileIndex  map[string]int    // caucus id → index in the file's list
	names      map[string]string // normalised id or tag → caucus id
	rules      []*rule
	bureau     Bureau
	trust      trust.Policy
	members    map[string]bool // bureau members, lower-cased
	forwarding Forwarding
	replies    Replies
	tags       *tagParser
	prints     map[string]string // rule name → canonical form, for Diff
	cprints    map[string]string // caucus id → canonical form, for Diff
	// fieldSlots numbers the text fields conditions read, so that a
	// decision caches each field's lower-cased text and byte pairs in a
	// slice, not a map hashed once a rule.
	fieldSlots map[string]int
	// digests are the digests of the first n rules, n from 0 to
	// len(rules): what a stored trace refers to instead of its misses.
	digests []ruleDigest
	// index finds the rules whose prefilter may not miss on a message.
	index *ruleIndex
	// pairSets are the byte pair sets of decisions done, for the next
	// ones: 2 kB each, a few a decision. Nil: each decision makes its own.
	pairSets *sync.Pool
	// noPrefilter evaluates every rule in full: tests compare.
	noPrefilter bool
}

// rule is one compiled rule.
type rule struct {
	name          string
	index         int
	when          cond // nil: matches every message
	forward       []string
	hold          bool
	reject        *template.Template // nil: the rule does not reject
	discard       bool
	stop          bool
	schedule      string
	replySchedule string
	mode          string
	// pre, when set, proves cheaply that the rule misses on its first
	// condition; missSteps are then the rule's trace steps.
	pre       prefilter
	missSteps []Step
	missJSON  []byte // the trace entry of that miss, encoded

	// forwardDid and forwardReason describe the forward in the trace and
	// the reason, written once when the rules compile.
	forwardDid, forwardReason string
}

// Load reads and compiles the rules file at path. The error is for a file
// that cannot be read; problems in its content are diagnostics, and when any
// is an error the Set is nil.
func Load(path string) (*Set, yamlfile.Diagnostics, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read rules: %w", err)
	}
	set, diags := Parse(path, data)
	return set, diags, nil
}

// Parse compiles data, the content of the rules file named file. It returns
// every problem found, errors and warnings; when any is an error the Set is
// nil.
func Parse(file string, data []byte) (*Set, yamlfile.Diagnostics) {
	var root fileRoot
	// Decoding past YAML errors lets the compiler report its own problems
	// (unknown caucuses, bad patterns) in the same pass.
	pos, diags, decoded := yamlfile.DecodePartial(file, data, &root)
	if !decoded && diags.HasErrors() {
		return nil, diags
	}
	c := newCompiler(file, pos)
	set := c.compile(&root)
	diags = append(diags, c.diags...).Sorted()
	if diags.HasErrors() {
		return nil, diags
	}
	return set, diags
}
