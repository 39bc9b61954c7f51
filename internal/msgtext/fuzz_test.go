package msgtext

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzExtract: any input gives valid UTF-8 text within its limit, with no
// control characters but tab and newline, and never panics.
func FuzzExtract(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err == nil {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got := Extract(raw, &Options{MaxText: 500})
		if !utf8.ValidString(got.Text) {
			t.Fatalf("text is not UTF-8: %q", got.Text)
		}
		if n := utf8.RuneCountInString(got.Text); n > 500 {
			t.Fatalf("text has %d characters, limit 500", n)
		}
		if strings.ContainsFunc(got.Text, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || isBidiControl(r) }) {
			t.Fatalf("text has control characters: %q", got.Text)
		}
	})
}
