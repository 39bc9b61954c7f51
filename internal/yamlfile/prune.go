package yamlfile

import (
	"slices"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// prune removes from the tree every key-value pair and list item the checker
// marked unusable, so that the decoder can fill in the rest: the caller's
// semantic checks then run on what is sound, and report in the same pass.
// It returns false when the root itself is unusable.
func (c *checker) prune(root ast.Node) bool {
	if c.bad[root] || c.visits > maxVisits {
		return false
	}
	c.pruneNode(root, map[ast.Node]bool{})
	return true
}

func (c *checker) pruneNode(node ast.Node, done map[ast.Node]bool) {
	if node == nil || done[node] {
		return
	}
	done[node] = true
	switch n := node.(type) {
	case *ast.AnchorNode:
		c.pruneNode(n.Value, done)
	case *ast.TagNode:
		c.pruneNode(n.Value, done)
	case *ast.MappingNode:
		n.Values = slices.DeleteFunc(n.Values, func(kv *ast.MappingValueNode) bool {
			return c.bad[kv] || c.bad[kv.Value]
		})
		for _, kv := range n.Values {
			c.pruneNode(kv.Value, done)
		}
	case *ast.MappingValueNode:
		if c.bad[n.Value] {
			n.Value = ast.Null(nullToken(n))
		}
		c.pruneNode(n.Value, done)
	case *ast.SequenceNode:
		n.Values = slices.DeleteFunc(n.Values, func(v ast.Node) bool { return c.bad[v] })
		for _, v := range n.Values {
			c.pruneNode(v, done)
		}
	}
}

// nullToken makes the token of a null put where a pruned value was.
func nullToken(kv *ast.MappingValueNode) *token.Token {
	return token.New("null", "null", kv.GetToken().Position)
}
