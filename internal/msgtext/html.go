package msgtext

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText extracts the text a reader sees in an HTML document: no markup,
// no scripts or styles, nothing hidden; paragraphs and line breaks kept,
// list items marked, link targets shown after their text when they differ.
func htmlText(src string) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	var t textBuilder
	type step struct {
		n     *html.Node
		leave bool
		start int // length of the text when an element was entered
	}
	stack := []step{{n: doc}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.leave {
			t.leave(s.n, s.start)
			continue
		}
		if skipped(s.n) {
			continue
		}
		start := t.enter(s.n)
		stack = append(stack, step{n: s.n, leave: true, start: start})
		for c := s.n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, step{n: c})
		}
	}
	return t.b.String()
}

// skipped reports a node whose content no reader sees.
func skipped(n *html.Node) bool {
	switch n.Type {
	case html.CommentNode, html.DoctypeNode:
		return true
	case html.ElementNode:
	default:
		return false
	}
	switch n.DataAtom {
	case atom.Head, atom.Script, atom.Style, atom.Template, atom.Title:
		return true
	}
	for _, a := range n.Attr {
		v := strings.ToLower(strings.ReplaceAll(a.Val, " ", ""))
		if a.Key == "hidden" || a.Key == "style" && (strings.Contains(v, "display:none") || strings.Contains(v, "visibility:hidden")) {
			return true
		}
	}
	return false
}

// blankBefore are elements that stand apart as paragraphs; lineBefore are
// elements that start on a line of their own.
var (
	blankBefore = map[atom.Atom]bool{
		atom.P: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
		atom.H6: true, atom.Blockquote: true, atom.Pre: true, atom.Table: true, atom.Ul: true,
		atom.Ol: true, atom.Hr: true, atom.Dl: true,
	}
	lineBefore = map[atom.Atom]bool{
		atom.Div: true, atom.Tr: true, atom.Li: true, atom.Dt: true, atom.Dd: true,
		atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true,
		atom.Center: true, atom.Address: true, atom.Tbody: true, atom.Form: true,
	}
)

// textBuilder writes text with HTML's whitespace rules: runs of spaces
// collapse to one, except inside pre.
type textBuilder struct {
	b        strings.Builder
	space    bool // a space is due before the next word
	newlines int  // newlines at the end of b
	pre      int  // depth inside pre
}

// enter handles an element's start and a text node; it returns the text's
// length so that leave can see what the element contained.
func (t *textBuilder) enter(n *html.Node) int {
	switch {
	case n.Type == html.TextNode && t.pre > 0:
		t.verbatim(n.Data)
	case n.Type == html.TextNode:
		t.inline(n.Data)
	case n.Type != html.ElementNode:
	case blankBefore[n.DataAtom]:
		t.breakLines(2)
	case lineBefore[n.DataAtom]:
		t.breakLines(1)
	case n.DataAtom == atom.Br:
		t.newline()
	case n.DataAtom == atom.Td || n.DataAtom == atom.Th:
		t.space = true
	case n.DataAtom == atom.Img:
		if alt := attr(n, "alt"); strings.TrimSpace(alt) != "" {
			t.inline("[" + strings.TrimSpace(alt) + "]")
		}
	}
	if n.DataAtom == atom.Pre {
		t.pre++
	}
	if n.DataAtom == atom.Li {
		t.inline("- ")
	}
	return t.b.Len()
}

// leave handles an element's end.
func (t *textBuilder) leave(n *html.Node, start int) {
	if n.Type != html.ElementNode {
		return
	}
	switch {
	case n.DataAtom == atom.Pre:
		t.pre--
		t.breakLines(2)
	case blankBefore[n.DataAtom]:
		t.breakLines(2)
	case lineBefore[n.DataAtom]:
		t.breakLines(1)
	case n.DataAtom == atom.A:
		t.linkTarget(attr(n, "href"), t.b.String()[start:])
	}
}

// linkTarget shows where a link leads when its text does not say so.
func (t *textBuilder) linkTarget(href, text string) {
	href = strings.TrimSpace(href)
	lower := strings.ToLower(href)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "mailto:") {
		return
	}
	shown := strings.TrimPrefix(strings.TrimPrefix(href, "mailto:"), "MAILTO:")
	if strings.Contains(text, shown) {
		return
	}
	t.inline(" <" + href + ">")
}

func (t *textBuilder) inline(s string) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		t.space = t.space || s != ""
		return
	}
	if strings.TrimLeft(s, " \t\n\r\f\u00a0") != s {
		t.space = true
	}
	for i, f := range fields {
		if i > 0 {
			t.space = true
		}
		t.word(f)
	}
	t.space = strings.TrimRight(s, " \t\n\r\f\u00a0") != s
}

func (t *textBuilder) word(f string) {
	if t.space && t.b.Len() > 0 && t.newlines == 0 {
		t.b.WriteByte(' ')
	}
	t.b.WriteString(f)
	t.space, t.newlines = false, 0
}

func (t *textBuilder) verbatim(s string) {
	if s == "" {
		return
	}
	t.b.WriteString(s)
	t.space = false
	t.newlines = len(s) - len(strings.TrimRight(s, "\n"))
}

// newline ends the line, as br does; two in a row make a blank line, more
// are dropped.
func (t *textBuilder) newline() {
	if t.newlines < 2 {
		t.b.WriteByte('\n')
		t.newlines++
	}
	t.space = false
}

// breakLines ends the line and leaves n-1 blank lines, unless the text is
// empty or already ends so.
func (t *textBuilder) breakLines(n int) {
	for t.b.Len() > 0 && t.newlines < n {
		t.newline()
	}
	t.space = false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
