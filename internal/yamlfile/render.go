package yamlfile

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Render writes each diagnostic followed by its source line and a caret
// under its column, for a human reading a terminal:
//
//	rules.yaml:3:11: unknown key "subjet" in when; did you mean "subject"?
//	   3 |     when: {subjet: x}
//	     |           ^
//
// src is the content of the diagnostics' file; diagnostics of other files, or
// without a line, are printed without source. Use [Diagnostics.RenderFiles]
// for diagnostics of several files.
func (ds Diagnostics) Render(w io.Writer, src []byte) error {
	return ds.RenderFiles(w, func(string) []byte { return src })
}

// RenderFiles is [Diagnostics.Render] for diagnostics from several files:
// source returns the content of a file, or nil when it is unknown.
func (ds Diagnostics) RenderFiles(w io.Writer, source func(file string) []byte) error {
	bw := bufio.NewWriter(w)
	for _, d := range ds {
		bw.WriteString(d.String())
		bw.WriteByte('\n')
		if line, ok := sourceLine(source(d.File), d.Line); ok {
			writeExcerpt(bw, d, line)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write diagnostics: %w", err)
	}
	return nil
}

// sourceLine returns the n-th (1-based) line of src without its line ending.
func sourceLine(src []byte, n int) (string, bool) {
	lines := splitLines(src)
	if n <= 0 || n > len(lines) {
		return "", false
	}
	return lines[n-1], true
}

// splitLines splits src at line breaks as YAML counts them: LF, CRLF or a
// lone CR.
func splitLines(src []byte) []string {
	if src == nil {
		return nil
	}
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	return strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
}

func writeExcerpt(w *bufio.Writer, d Diagnostic, line string) {
	num := strconv.Itoa(d.Line)
	gutter := strings.Repeat(" ", max(4, len(num)))
	fmt.Fprintf(w, "%*s | %s\n", len(gutter), num, line)
	fmt.Fprintf(w, "%s | %s^\n", gutter, caretIndent(line, d.Column))
}

// caretIndent returns the blanks that put a caret under the column-th
// character of line; tabs are copied so that the caret lines up whatever the
// terminal's tab width.
func caretIndent(line string, column int) string {
	var b strings.Builder
	i := 1
	for _, r := range line {
		if i >= column {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		i++
	}
	for ; i < column; i++ {
		b.WriteByte(' ')
	}
	return b.String()
}
