package extract

import (
	"testing"
	"time"
)

// TestReadDateAgreesWithDateparser proves the table of dateWindows against
// the reader it replaces: go-dateparser finds the same dates, but for the
// differences the table names.
func TestReadDateAgreesWithDateparser(t *testing.T) {
	t.Parallel()
	x := New(zurich)
	for _, tc := range dateWindows {
		want := tc.want
		switch tc.was {
		case "none":
			want = ""
		case "":
		default:
			want = tc.was
		}
		got := ""
		if d, ok := x.window(anchor{lang: tc.lang}, "", tc.window, received); ok {
			got = d.Time.Format(time.DateOnly)
		}
		if got != want {
			t.Errorf("%s %q: go-dateparser %q, table %q", tc.lang, tc.window, got, want)
		}
	}
}
