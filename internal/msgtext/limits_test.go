package msgtext

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLimits(t *testing.T) {
	t.Parallel()
	long := "From: a@example.org\nContent-Type: text/plain; charset=utf-8\n\n" + strings.Repeat("é", 5000)
	tests := []struct {
		name      string
		raw       string
		opt       *Options
		wantRunes int
		truncated bool
		problem   string
	}{
		{"text cut at MaxText", long, &Options{MaxText: 1000}, 1000, true, ""},
		{"text under MaxText whole", long, nil, 5000, false, ""},
		{"nesting bomb stops", nested(50), &Options{MaxDepth: 5}, 0, false, "nested deeper than 5"},
		{"part bomb stops", manyParts(300), &Options{MaxParts: 20}, 19*4 + 18*2, false, "more than 20 parts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Extract([]byte(tt.raw), tt.opt)
			if n := utf8.RuneCountInString(got.Text); n != tt.wantRunes {
				t.Errorf("text has %d characters, want %d", n, tt.wantRunes)
			}
			if got.Truncated != tt.truncated {
				t.Errorf("Truncated = %v, want %v", got.Truncated, tt.truncated)
			}
			if tt.problem != "" && !strings.Contains(strings.Join(got.Problems, "\n"), tt.problem) {
				t.Errorf("problems %q lack %q", got.Problems, tt.problem)
			}
		})
	}
}

// nested is a message of depth multiparts, each holding the next.
func nested(depth int) string {
	var b strings.Builder
	b.WriteString("From: a@example.org\n")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\n\ndeep\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	return b.String()
}

// manyParts is a multipart/mixed of n text parts "pNNN", which the text
// joins with blank lines; the multipart itself counts as a part.
func manyParts(n int) string {
	var b strings.Builder
	b.WriteString("From: a@example.org\nContent-Type: multipart/mixed; boundary=\"x\"\n\n")
	for i := range n {
		fmt.Fprintf(&b, "--x\nContent-Type: text/plain\n\np%03d\n", i)
	}
	b.WriteString("--x--\n")
	return b.String()
}

// TestNeverRawHTML: whatever the HTML, no tag reaches the text.
func TestNeverRawHTML(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		"<p>a</p><script>document.write('<b>x</b>')</script>",
		"<p>unclosed <b>bold <i>italic",
		"<<p>>weird</p>",
		"<style>a{}</style><!-- <b>comment</b> --><p>ok</p>",
		"<p>&lt;b&gt; is shown as text, not markup</p>",
	} {
		raw := "Content-Type: text/html\n\n" + body
		got := Extract([]byte(raw), nil)
		if strings.Contains(got.Text, "<b>") && !strings.Contains(body, "&lt;b&gt;") || strings.Contains(got.Text, "<script") || strings.Contains(got.Text, "<p") {
			t.Errorf("text of %q = %q: markup leaked", body, got.Text)
		}
		if !got.FromHTML {
			t.Errorf("text of %q not marked FromHTML", body)
		}
	}
}
