package yamlfile

import (
	"fmt"
	"strconv"
	"strings"
)

// Pos is a 1-based line and column (in characters) in a file.
type Pos struct {
	Line, Column int
}

// Positions maps the path of every node of a decoded file to where its value
// starts, so that callers report their own semantic checks (an unknown caucus
// reference, plaintext auth to a remote host) as FILE:LINE:COLUMN too.
//
// A path names mapping keys with dots and sequence items with brackets, from
// the document's root: accounts[0].imap, rules[2].when.header.X-Mailer. Build
// them with [Key] and [Index] when a key may hold dots or brackets.
type Positions struct {
	file   string
	byPath map[string]Pos
}

func newPositions(file string) *Positions {
	return &Positions{file: file, byPath: map[string]Pos{"": {Line: 1, Column: 1}}}
}

// File returns the name of the file the positions are in.
func (p *Positions) File() string { return p.file }

// Lookup returns where the node at path starts, if the file has that node.
func (p *Positions) Lookup(path string) (Pos, bool) {
	pos, ok := p.byPath[path]
	return pos, ok
}

// Nearest returns the position of path or, when the file lacks that node (a
// missing key), of its closest ancestor that it has; the root is at 1:1.
func (p *Positions) Nearest(path string) Pos {
	for {
		if pos, ok := p.byPath[path]; ok {
			return pos
		}
		path = parent(path)
	}
}

// Errorf returns an error diagnostic at the node at path (see [Positions.Nearest]).
func (p *Positions) Errorf(path, format string, args ...any) Diagnostic {
	return p.diag(Error, path, fmt.Sprintf(format, args...))
}

// Warnf returns a warning diagnostic at the node at path (see [Positions.Nearest]).
func (p *Positions) Warnf(path, format string, args ...any) Diagnostic {
	return p.diag(Warning, path, fmt.Sprintf(format, args...))
}

func (p *Positions) diag(s Severity, path, msg string) Diagnostic {
	pos := p.Nearest(path)
	return Diagnostic{File: p.file, Line: pos.Line, Column: pos.Column, Message: msg, Severity: s}
}

func (p *Positions) set(path string, pos Pos) {
	if _, ok := p.byPath[path]; !ok || path == "" {
		p.byPath[path] = pos
	}
}

// Key returns the path of the mapping key key under path. Keys holding dots,
// brackets or quotes are written quoted in brackets: header["a.b"].
func Key(path, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]\"") {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index returns the path of the i-th item of the sequence at path.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// parent strips the last step of path: a ".key", "[i]" or "[\"key\"]".
func parent(path string) string {
	if strings.HasSuffix(path, "\"]") {
		if i := strings.LastIndex(path, "[\""); i >= 0 {
			return path[:i]
		}
	}
	if strings.HasSuffix(path, "]") {
		return path[:strings.LastIndexByte(path, '[')]
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}
