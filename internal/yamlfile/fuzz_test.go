package yamlfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode checks that no input makes Decode panic, and that every
// diagnostic it returns points inside the file.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var cfg testConfig
		diags := Decode("f.yaml", src, &cfg)
		_, partial, _ := DecodePartial("f.yaml", src, &testConfig{})
		if partial.String() != diags.String() {
			t.Errorf("DecodePartial reports differently:\n%s\nvs\n%s", partial, diags)
		}
		lines := len(splitLines(src))
		for _, d := range diags {
			if d.Line < 1 || d.Line > lines+1 || d.Column < 1 {
				t.Errorf("diagnostic outside the file (%d lines): %s", lines, d)
			}
		}
		var sb strings.Builder
		if err := diags.Render(&sb, src); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCaretUnderTabs(t *testing.T) {
	ds := Diagnostics{{File: "f", Line: 1, Column: 3, Message: "m"}}
	var sb strings.Builder
	if err := ds.Render(&sb, []byte("\tab: c\n")); err != nil {
		t.Fatal(err)
	}
	want := "f:1:3: m\n   1 | \tab: c\n     | \t ^\n"
	if sb.String() != want {
		t.Errorf("Render = %q, want %q", sb.String(), want)
	}
}
