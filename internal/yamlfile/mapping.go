package yamlfile

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"caucusgate/internal/typo"
)

// structFields is what a struct type accepts as keys, by the rules goccy
// decodes with: the `yaml` tag's name, else the `json` tag's, else the field
// name in lower case; `-` skips a field; `inline` lifts an embedded struct's
// keys.
type structFields struct {
	byName map[string]reflect.Type
	names  []string
}

func (c *checker) structFields(t reflect.Type) *structFields {
	if fs, ok := c.fields[t]; ok {
		return fs
	}
	fs := &structFields{byName: map[string]reflect.Type{}}
	collectFields(t, fs)
	c.fields[t] = fs
	return fs
}

func collectFields(t reflect.Type, fs *structFields) {
	for f := range t.Fields() {
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "" {
			tag = f.Tag.Get("json")
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if hasOption(opts, "inline") {
			inlineFields(f.Type, fs)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if _, dup := fs.byName[name]; !dup {
			fs.names = append(fs.names, name)
		}
		fs.byName[name] = f.Type
	}
}

func inlineFields(t reflect.Type, fs *structFields) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		collectFields(t, fs)
	}
}

func hasOption(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func (c *checker) checkStruct(node ast.Node, t reflect.Type, path string) {
	if !isMapping(node) {
		c.errorAt(node, "%s: expected a mapping (key: value), found %s", label(path), describe(node))
		return
	}
	fs := c.structFields(t)
	c.eachKey(node, path, func(kv *ast.MappingValueNode, key string) {
		ft, ok := fs.byName[key]
		if !ok {
			c.errorf(kv.Key.GetToken(), "%s", unknownKey(key, path, fs.names))
			c.bad[kv] = true
			return
		}
		c.check(kv.Value, ft, Key(path, key))
	}, func(merged ast.Node) { c.checkStruct(merged, t, path) })
}

func (c *checker) checkMap(node ast.Node, t reflect.Type, path string) {
	if !isMapping(node) {
		c.errorAt(node, "%s: expected a mapping (key: value), found %s", label(path), describe(node))
		return
	}
	c.eachKey(node, path, func(kv *ast.MappingValueNode, key string) {
		c.check(kv.Value, t.Elem(), Key(path, key))
	}, func(merged ast.Node) { c.checkMap(merged, t, path) })
}

// eachKey calls fn for every key of the mapping node in order, reporting
// duplicates, and merge for each mapping merged in with "<<".
func (c *checker) eachKey(node ast.Node, path string, fn func(*ast.MappingValueNode, string), merge func(ast.Node)) {
	first := map[string]*token.Token{}
	for _, kv := range c.pairs(node) {
		if kv.Key.Type() == ast.MergeKeyType {
			c.eachMerged(kv.Value, merge)
			continue
		}
		key := keyText(kv.Key)
		if prev, dup := first[key]; dup {
			c.errorf(kv.Key.GetToken(), "duplicate key %q %s (first at line %d)", key, where(path), tokenPos(prev).Line)
			c.bad[kv] = true
			continue
		}
		first[key] = kv.Key.GetToken()
		fn(kv, key)
	}
}

// eachMerged resolves the value of a merge key, a mapping or a list of them.
func (c *checker) eachMerged(value ast.Node, merge func(ast.Node)) {
	node, ok := c.resolve(value)
	if !ok {
		return
	}
	if seq, isSeq := node.(*ast.SequenceNode); isSeq {
		for _, item := range seq.Values {
			c.eachMerged(item, merge)
		}
		return
	}
	merge(node)
}

// pairs returns the key-value pairs of a mapping node: goccy represents a
// one-pair mapping as the pair itself.
func (c *checker) pairs(node ast.Node) []*ast.MappingValueNode {
	switch n := node.(type) {
	case *ast.MappingNode:
		return n.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}
	}
	return nil
}

func isMapping(node ast.Node) bool {
	t := node.Type()
	return t == ast.MappingType || t == ast.MappingValueType
}

// startToken returns the token where node starts in the text: a block
// mapping's token is its first colon, so use its first key instead.
func startToken(node ast.Node) *token.Token {
	switch n := node.(type) {
	case *ast.MappingNode:
		if len(n.Values) > 0 && !n.IsFlowStyle {
			return n.Values[0].Key.GetToken()
		}
	case *ast.MappingValueNode:
		return n.Key.GetToken()
	}
	return node.GetToken()
}

// keyText returns a mapping key as text.
func keyText(key ast.MapKeyNode) string {
	if s, ok := key.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := key.GetToken(); tk != nil {
		return tk.Value
	}
	return key.String()
}

// unknownKey words the error for key, unknown in path: with the closest
// known key when it is a likely typo, else with the list of known keys.
func unknownKey(key, path string, known []string) string {
	if best, ok := typo.Closest(strings.ToLower(key), known); ok {
		return fmt.Sprintf("unknown key %q %s; did you mean %q?", key, where(path), best)
	}
	return fmt.Sprintf("unknown key %q %s; known keys: %s", key, where(path), strings.Join(known, ", "))
}

// where says where path is, after a key in a message.
func where(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}
