package extract

import (
	"testing"
	"time"
)

func TestTag(t *testing.T) {
	t.Parallel()
	tests := []struct{ subject, want, stripped string }{
		{"[caucus: gender] [deadline: 2027-01-15] Invitation", "2027-01-15", "[caucus: gender] Invitation"},
		{"Invitation [Deadline 2027-01-15]", "2027-01-15", "Invitation"},
		{"Invitation [deadline: 2027-02-30]", "", "Invitation"},
		{"Invitation [deadline: soon]", "", "Invitation [deadline: soon]"},
		{"Invitation", "", "Invitation"},
	}
	for _, tc := range tests {
		d, ok := Tag(tc.subject, zurich)
		got := ""
		if ok {
			got = d.Time.Format("2006-01-02")
			if d.Source != SourceTag || d.Time.Location() != zurich {
				t.Errorf("%q: %+v", tc.subject, d)
			}
		}
		if got != tc.want {
			t.Errorf("Tag(%q) = %q, want %q", tc.subject, got, tc.want)
		}
		if s := StripTag(tc.subject); s != tc.stripped {
			t.Errorf("StripTag(%q) = %q, want %q", tc.subject, s, tc.stripped)
		}
	}
}

func TestMergeOverrides(t *testing.T) {
	t.Parallel()
	text := Found{Deadline: &Date{Time: time.Date(2027, 1, 1, 0, 0, 0, 0, zurich), Source: SourceText}, Warnings: []string{"a"}}
	tag := Found{Deadline: &Date{Time: time.Date(2027, 2, 1, 0, 0, 0, 0, zurich), Source: SourceTag}, Warnings: []string{"b"}}
	m := text.Merge(tag)
	if m.Deadline.Source != SourceTag || len(m.Warnings) != 2 {
		t.Errorf("merge = %+v", m)
	}
	if len(text.Warnings) != 1 {
		t.Error("merge changed its receiver's warnings")
	}
}
