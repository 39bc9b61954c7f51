package yamlfile

import (
	"math"
	"reflect"
	"strconv"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// checkKind checks node against t by t's kind.
func (c *checker) checkKind(node ast.Node, t reflect.Type, path string) {
	switch t.Kind() {
	case reflect.Pointer:
		c.check(node, t.Elem(), path)
	case reflect.Interface:
		c.checkAny(node, path)
	case reflect.Struct:
		c.checkStruct(node, t, path)
	case reflect.Map:
		c.checkMap(node, t, path)
	case reflect.Slice, reflect.Array:
		c.checkSequence(node, t, path)
	case reflect.String:
		c.checkScalar(node, path, "text")
	case reflect.Bool:
		c.checkBool(node, path)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		c.checkInt(node, t, path)
	case reflect.Float32, reflect.Float64:
		c.checkFloat(node, path)
	}
}

// checkAny records positions below a node decoded into an interface value,
// without constraining it.
func (c *checker) checkAny(node ast.Node, path string) {
	switch node.Type() {
	case ast.MappingType, ast.MappingValueType:
		for _, kv := range c.pairs(node) {
			c.check(kv.Value, reflect.TypeFor[any](), Key(path, keyText(kv.Key)))
		}
	case ast.SequenceType:
		for i, item := range node.(*ast.SequenceNode).Values {
			c.check(item, reflect.TypeFor[any](), Index(path, i))
		}
	}
}

func (c *checker) checkSequence(node ast.Node, t reflect.Type, path string) {
	seq, ok := node.(*ast.SequenceNode)
	if !ok {
		c.errorAt(node, "%s: expected a list, such as [a, b] or lines starting with \"- \", found %s", label(path), describe(node))
		return
	}
	if t.Kind() == reflect.Array && len(seq.Values) > t.Len() {
		c.errorAt(node, "%s: at most %d items, found %d", label(path), t.Len(), len(seq.Values))
	}
	for i, item := range seq.Values {
		c.check(item, t.Elem(), Index(path, i))
	}
}

func (c *checker) checkScalar(node ast.Node, path, want string) {
	if _, ok := scalarText(node); !ok {
		c.errorAt(node, "%s: expected %s, found %s", label(path), want, describe(node))
	}
}

// checkBool accepts true and false only: a quoted "true" is text, and
// goccy refuses it (and "t", "1") for a bool.
func (c *checker) checkBool(node ast.Node, path string) {
	if node.Type() == ast.BoolType {
		return
	}
	c.errorAt(node, "%s: expected true or false, found %s%s", label(path), describe(node), unquoteHint(node))
}

// unquoteHint suggests removing the quotes of a quoted scalar: quoted, a
// number or a boolean is text.
func unquoteHint(node ast.Node) string {
	if s, ok := node.(*ast.StringNode); ok && s.Token != nil && (s.Token.Type == token.DoubleQuoteType || s.Token.Type == token.SingleQuoteType) {
		return " (quoted, it is text: remove the quotes)"
	}
	return ""
}

func (c *checker) checkInt(node ast.Node, t reflect.Type, path string) {
	n, ok := intValue(node)
	if !ok {
		c.errorAt(node, "%s: expected a whole number, found %s%s", label(path), describe(node), unquoteHint(node))
		return
	}
	if overflows(t, n) {
		c.errorAt(node, "%s: %s is out of range", label(path), node.GetToken().Value)
	}
}

func (c *checker) checkFloat(node ast.Node, path string) {
	switch node.Type() {
	case ast.IntegerType, ast.FloatType, ast.InfinityType, ast.NanType:
		return
	}
	c.errorAt(node, "%s: expected a number, found %s%s", label(path), describe(node), unquoteHint(node))
}

// intValue returns the integer node holds: an integer, or a float without a
// fraction. A string is not one, quoted digits included: goccy decodes
// some ("31") and refuses others ("0x1F", "-5") by rules not worth copying.
func intValue(node ast.Node) (float64, bool) {
	switch n := node.(type) {
	case *ast.IntegerNode:
		switch v := n.Value.(type) {
		case int64:
			return float64(v), true
		case uint64:
			return float64(v), true
		}
	case *ast.FloatNode:
		return n.Value, n.Value == math.Trunc(n.Value)
	}
	return 0, false
}

func overflows(t reflect.Type, n float64) bool {
	v := reflect.New(t).Elem()
	if v.CanInt() {
		return n < math.MinInt64 || n > math.MaxInt64 || v.OverflowInt(int64(n))
	}
	return n < 0 || n > math.MaxUint64 || v.OverflowUint(uint64(n))
}

// scalarText returns the text of a scalar node, false for a mapping or list.
func scalarText(node ast.Node) (string, bool) {
	switch n := node.(type) {
	case *ast.StringNode:
		return n.Value, true
	case *ast.LiteralNode:
		return n.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	return "", false
}

// describe names what node is, for a message.
func describe(node ast.Node) string {
	switch node.Type() {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping (key: value)"
	case ast.SequenceType:
		return "a list"
	case ast.BoolType:
		return "a true/false value"
	case ast.IntegerType, ast.FloatType, ast.InfinityType, ast.NanType:
		return "the number " + node.GetToken().Value
	case ast.NullType:
		return "nothing"
	}
	if s, ok := scalarText(node); ok {
		return strconv.Quote(s)
	}
	return node.Type().YAMLName()
}
