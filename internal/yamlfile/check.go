package yamlfile

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// maxVisits bounds the walk, so that aliases of aliases (the "billion laughs"
// file) cannot make a check run for ever.
const maxVisits = 200_000

// checker walks a YAML tree against a Go type and records every mismatch.
type checker struct {
	file    string
	pos     *Positions
	anchors map[string]ast.Node
	fields  map[reflect.Type]*structFields
	diags   Diagnostics
	seen    map[Diagnostic]bool
	bad     map[ast.Node]bool // nodes the decoder must not see (see prune)
	visits  int
}

func newChecker(file string, pos *Positions) *checker {
	return &checker{
		file:    file,
		pos:     pos,
		anchors: map[string]ast.Node{},
		fields:  map[reflect.Type]*structFields{},
		seen:    map[Diagnostic]bool{},
		bad:     map[ast.Node]bool{},
	}
}

// errorf records an error at tk once: a node reached through several aliases
// is reported once.
func (c *checker) errorf(tk *token.Token, format string, args ...any) {
	d := at(c.file, tk, fmt.Sprintf(format, args...))
	if !c.seen[d] {
		c.seen[d] = true
		c.diags = append(c.diags, d)
	}
}

// errorAt records an error at node and marks it unusable.
func (c *checker) errorAt(node ast.Node, format string, args ...any) {
	c.errorf(startToken(node), format, args...)
	c.bad[node] = true
}

// check walks node, found at path, against the Go type t.
func (c *checker) check(node ast.Node, t reflect.Type, path string) {
	if node == nil {
		return
	}
	if c.visits++; c.visits > maxVisits {
		if c.visits == maxVisits+1 {
			c.errorAt(node, "file too large or too many aliases (more than %d nodes)", maxVisits)
		}
		return
	}
	orig := node
	node, ok := c.resolve(node)
	if !ok {
		c.bad[orig] = true
		return
	}
	defer func() {
		if c.bad[node] {
			c.bad[orig] = true
		}
	}()
	c.pos.set(path, tokenPos(startToken(node)))
	if node.Type() == ast.NullType {
		return
	}
	if c.checkSpecial(node, t, path) {
		return
	}
	c.checkKind(node, t, path)
}

// resolve follows anchors, tags and aliases to the node holding the value.
func (c *checker) resolve(node ast.Node) (ast.Node, bool) {
	for range 64 {
		switch n := node.(type) {
		case *ast.AnchorNode:
			c.anchors[n.Name.GetToken().Value] = n.Value
			node = n.Value
		case *ast.TagNode:
			// goccy decodes its own set of tags by rules of its own, and
			// refuses the others only when it decodes: no tag is used in
			// these files, so the checker and the decoder cannot disagree.
			c.errorAt(n, "YAML tag %s: these files use no tags; remove it", n.Start.Value)
			return nil, false
		case *ast.AliasNode:
			name := n.Value.GetToken().Value
			target, ok := c.anchors[name]
			if !ok {
				c.errorAt(n, "unknown alias *%s: a value starting with * is a YAML alias; if it is text, quote it: write %s",
					name, strconv.Quote(n.String()))
				return nil, false
			}
			node = target
		default:
			return node, node != nil
		}
		if node == nil {
			return nil, false
		}
	}
	c.errorAt(node, "aliases nested too deep")
	return nil, false
}

var (
	durationType      = reflect.TypeFor[time.Duration]()
	textUnmarshaler   = reflect.TypeFor[encoding.TextUnmarshaler]()
	customUnmarshaler = []reflect.Type{
		reflect.TypeFor[yaml.BytesUnmarshaler](),
		reflect.TypeFor[yaml.BytesUnmarshalerContext](),
		reflect.TypeFor[yaml.InterfaceUnmarshaler](),
		reflect.TypeFor[yaml.InterfaceUnmarshalerContext](),
		reflect.TypeFor[yaml.NodeUnmarshaler](),
		reflect.TypeFor[yaml.NodeUnmarshalerContext](),
	}
)

// checkSpecial handles the types goccy decodes by their own rules: durations,
// types with their own YAML unmarshaler (left to the decoder), and text
// unmarshalers (tried here, so that all their errors are reported at once).
func (c *checker) checkSpecial(node ast.Node, t reflect.Type, path string) bool {
	pt := reflect.PointerTo(t)
	switch {
	case t == durationType:
		c.checkDuration(node, path)
	case implementsAny(pt, customUnmarshaler):
	case pt.Implements(textUnmarshaler):
		c.checkText(node, t, path)
	default:
		return false
	}
	return true
}

func implementsAny(t reflect.Type, ifaces []reflect.Type) bool {
	for _, it := range ifaces {
		if t.Implements(it) {
			return true
		}
	}
	return false
}

func (c *checker) checkDuration(node ast.Node, path string) {
	s, ok := node.(*ast.StringNode)
	if !ok {
		c.errorAt(node, "%s: expected a duration such as 90s, 45m or 1h30m, found %s", label(path), describe(node))
		return
	}
	if _, err := time.ParseDuration(s.Value); err != nil {
		c.errorAt(node, "%s: bad duration %q: write a number and a unit (s, m, h), such as 90s, 45m or 1h30m", label(path), s.Value)
	}
}

func (c *checker) checkText(node ast.Node, t reflect.Type, path string) {
	text, ok := scalarText(node)
	if !ok {
		c.errorAt(node, "%s: expected a single value, found %s", label(path), describe(node))
		return
	}
	u := reflect.New(t).Interface().(encoding.TextUnmarshaler)
	if err := u.UnmarshalText([]byte(text)); err != nil {
		c.errorAt(node, "%s: %v", label(path), err)
	}
}

func tokenPos(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{Line: 1, Column: 1}
	}
	return Pos{Line: tk.Position.Line, Column: tk.Position.Column}
}

// label names path for a message: the root is "the file".
func label(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}
