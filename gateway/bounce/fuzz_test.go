package bounce

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds Parse mutations of the testdata reports: it must never
// panic, and what it returns must hold together.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, ok := Parse(raw)
		if ok != (r != nil) {
			t.Fatalf("Parse returned ok=%v with report %v", ok, r)
		}
		if !ok {
			return
		}
		if len(r.Recipients) == 0 || len(r.Recipients) > maxRecipients {
			t.Fatalf("report with %d recipients", len(r.Recipients))
		}
		for _, rc := range r.Recipients {
			if rc.Address == "" || strings.ContainsAny(rc.Address, "\r\n") {
				t.Fatalf("recipient address %q", rc.Address)
			}
			if rc.Class < Unknown || rc.Class > Delivered {
				t.Fatalf("class %d", rc.Class)
			}
		}
		VERPTokens(r, goldenAccount, r.OriginalHeader)
	})
}

func FuzzClassify(f *testing.F) {
	f.Add(5, 1, 1, "user unknown")
	f.Add(0, 0, 0, "550 5.7.26 dmarc")
	f.Fuzz(func(t *testing.T, a, b, c int, diag string) {
		if got := Classify([3]int{a, b, c}, diag); got < Unknown || got > Delivered {
			t.Fatalf("Classify = %d", got)
		}
	})
}
