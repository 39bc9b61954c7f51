package yamlfile

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Decode parses data, the content of file, checks it against v's type and,
// when nothing is wrong, decodes it into v, which must be a non-nil pointer.
// It returns every problem found; v is usable only when the result has no
// errors. An empty file decodes to v unchanged.
func Decode(file string, data []byte, v any) Diagnostics {
	_, diags := DecodeWithPositions(file, data, v)
	return diags
}

// DecodeWithPositions is [Decode], plus the position of every node, for the
// caller's own checks of the decoded value.
func DecodeWithPositions(file string, data []byte, v any) (*Positions, Diagnostics) {
	pos, diags, _ := decode(file, data, v, false)
	return pos, diags
}

// DecodePartial is [DecodeWithPositions] that decodes past the errors that
// leave the rest of the file sound: it drops each unknown key, duplicate key
// and mistyped value, and decodes what remains into v. A caller then runs its
// own checks on v and reports them with these diagnostics, so that the admin
// sees every problem in one pass; v must still not be used when the
// diagnostics hold errors. decoded is false when nothing could be decoded (a
// syntax error, a root of the wrong kind, an empty file).
func DecodePartial(file string, data []byte, v any) (pos *Positions, diags Diagnostics, decoded bool) {
	return decode(file, data, v, true)
}

func decode(file string, data []byte, v any, partial bool) (*Positions, Diagnostics, bool) {
	pos := newPositions(file)
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return pos, Diagnostics{{File: file, Message: fmt.Sprintf("internal error: decode into %T, not a non-nil pointer", v)}}, false
	}
	body, diags := parseBody(file, data)
	if body == nil || diags.HasErrors() {
		return pos, diags, false
	}
	c := newChecker(file, pos)
	c.check(body, rv.Type().Elem(), "")
	diags = append(diags, c.diags.Sorted()...)
	if diags.HasErrors() && (!partial || !c.prune(body)) {
		return pos, diags, false
	}
	// Strict is the backstop: whatever the checker lets through that goccy
	// would decode loosely is an error here, reported at its token.
	if err := yaml.NodeToValue(body, v, yaml.Strict()); err != nil {
		return pos, append(diags, fromYAMLError(file, err)), false
	}
	return pos, diags, true
}

// parseBody parses data and returns its single document's body, nil for an
// empty file.
func parseBody(file string, data []byte) (ast.Node, Diagnostics) {
	// Duplicate keys are allowed here so that the checker reports them all,
	// rather than the parser stopping at the first.
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, Diagnostics{syntaxDiagnostic(file, data, err)}
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc.Body == nil {
			continue
		}
		if body != nil {
			tk := doc.Start
			if tk == nil {
				tk = doc.GetToken()
			}
			return nil, Diagnostics{at(file, tk, "a file holds one YAML document: remove the second \"---\" and what follows, or merge the documents")}
		}
		body = doc.Body
	}
	return body, nil
}

// fromYAMLError turns an error of goccy's decoder into a diagnostic at the
// token it names.
func fromYAMLError(file string, err error) Diagnostic {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		return at(file, ye.GetToken(), ye.GetMessage())
	}
	return Diagnostic{File: file, Line: 1, Column: 1, Message: err.Error()}
}
