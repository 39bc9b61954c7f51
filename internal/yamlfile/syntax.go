package yamlfile

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/token"
)

// at returns an error diagnostic at the token tk.
func at(file string, tk *token.Token, msg string) Diagnostic {
	d := Diagnostic{File: file, Line: 1, Column: 1, Message: msg}
	if tk != nil && tk.Position != nil {
		d.Line, d.Column = tk.Position.Line, tk.Position.Column
	}
	return d
}

// syntaxDiagnostic turns a parse error into a diagnostic. When the error is
// an unquoted value starting with a YAML indicator ("*@itu.int", "@every
// 5m"), the message says how to quote it, which is what the admin needs.
func syntaxDiagnostic(file string, src []byte, err error) Diagnostic {
	d := fromYAMLError(file, err)
	d.Message = "YAML syntax: " + d.Message
	if strings.Contains(d.Message, "'\t'") {
		d.Message = "YAML syntax: a tab cannot indent or start a value in YAML: indent with spaces"
		return d
	}
	line, ok := sourceLine(src, d.Line)
	if !ok {
		return d
	}
	if col, value, ok := indicatorValue(line, d.Column); ok {
		d.Column = col
		d.Message += "; a value starting with " + value[:1] + " must be quoted: write " + strconv.Quote(value)
	}
	return d
}

// indicators start a plain YAML value but are syntax: alias, reserved, tag
// and directive characters.
const indicators = "*@`&!%|>"

// indicatorValue finds, on line, the plain value starting with an indicator
// that spans column col (1-based, in characters) or ends just before it, and
// returns its column and text.
func indicatorValue(line string, col int) (int, string, bool) {
	runes := []rune(line)
	for start := min(col-1, len(runes)-1); start >= 0; start-- {
		if !strings.ContainsRune(indicators, runes[start]) || !valueStart(runes, start) {
			continue
		}
		return start + 1, strings.TrimSpace(string(runes[start:valueEnd(runes, start)])), true
	}
	return 0, "", false
}

// valueStart reports whether a plain value may start at runes[i]: after a
// mapping colon, a sequence dash, a flow opener or comma, or indentation.
func valueStart(runes []rune, i int) bool {
	raw := string(runes[:i])
	before := strings.TrimRight(raw, " \t")
	if before == "" {
		return true
	}
	spaced := len(before) < len(raw)
	switch before[len(before)-1] {
	case '[', '{', ',':
		return true
	case ':', '-':
		return spaced
	}
	return false
}

// valueEnd returns where the value starting at runes[i] ends: at a comment,
// at the end of the line, or in flow context at the next comma or closer.
func valueEnd(runes []rune, i int) int {
	flow := strings.Count(string(runes[:i]), "[")+strings.Count(string(runes[:i]), "{") >
		strings.Count(string(runes[:i]), "]")+strings.Count(string(runes[:i]), "}")
	for j := i + 1; j < len(runes); j++ {
		switch {
		case runes[j] == '#' && (runes[j-1] == ' ' || runes[j-1] == '\t'):
			return j
		case flow && strings.ContainsRune(",]}", runes[j]):
			return j
		}
	}
	return len(runes)
}
