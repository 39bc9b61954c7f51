package msgtext

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// render shows an extraction as the golden files hold it.
func render(t Text) string {
	var b strings.Builder
	for _, f := range t.Header {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	fmt.Fprintf(&b, "-- text (html=%v truncated=%v) --\n%s\n", t.FromHTML, t.Truncated, t.Text)
	b.WriteString("-- attachments --\n")
	for _, a := range t.Attachments {
		fmt.Fprintf(&b, "%q %s %d inline=%v\n", a.Name, a.Type, a.Size, a.Inline)
	}
	b.WriteString("-- problems --\n")
	for _, p := range t.Problems {
		fmt.Fprintln(&b, p)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := render(Extract(raw, nil))
			golden := strings.TrimSuffix(f, ".eml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("extraction of %s differs from %s:\n%s", f, golden, got)
			}
		})
	}
}
