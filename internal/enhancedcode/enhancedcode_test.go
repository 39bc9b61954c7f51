package enhancedcode

import (
	"fmt"
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Code
		ok   bool
	}{
		{"5.7.8", Code{5, 7, 8}, true},
		{"4.2.251", Code{4, 2, 251}, true},
		{"2.0.0", Code{2, 0, 0}, true},
		{"5.7.509", Code{5, 7, 509}, true},
		{"5.7", Code{}, false},
		{"Hello", Code{}, false},
		{"5.7.8.1", Code{}, false},
		{"5.7.8.", Code{}, false},
		{"5.7.8x", Code{}, false},
		{"+5.-7.8", Code{}, false},
		{"3.0.0", Code{}, false},
		{"5.1234.0", Code{}, false},
		{"5.1.1000", Code{}, false},
		{"5.x.1", Code{}, false},
		{"55.1.1", Code{}, false},
		{"", Code{}, false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseField(t *testing.T) {
	tests := []struct {
		in   string
		want Code
		ok   bool
	}{
		{"5.1.1", Code{5, 1, 1}, true},
		{" 4.4.7 (delivery expired)", Code{4, 4, 7}, true},
		{"5.0.0(x)", Code{5, 0, 0}, true},
		{"5.1", Code{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseField(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseField(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		in   string
		want []Code
	}{
		{"status 5.1.1.", []Code{{5, 1, 1}}},
		{"5.1.1 5.2.2", []Code{{5, 1, 1}, {5, 2, 2}}},
		{"550-5.1.1 The email account ... 550 5.1.1 gsmtp", []Code{{5, 1, 1}, {5, 1, 1}}},
		{"(#5.1.1)", []Code{{5, 1, 1}}},
		{"said: 4.2.2,5.7.1;", []Code{{4, 2, 2}, {5, 7, 1}}},
		{"host 192.0.2.1 said 550", nil},
		{"version 15.20.8000.10", nil},
		{"2.0.2.1 is an address", nil},
		{"5.1.1.2", nil},
		{"4.4.7", []Code{{4, 4, 7}}},
		{"x5.1.1", []Code{{5, 1, 1}}},
	}
	for _, tt := range tests {
		if got := Find(tt.in, 8); !slices.Equal(got, tt.want) {
			t.Errorf("Find(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got := Find("5.1.1 5.2.2 5.3.3", 2); len(got) != 2 {
		t.Errorf("Find with max 2 = %v", got)
	}
}

// FuzzFind: every code found prints back to one Parse reads, and is in the
// text; Parse accepts exactly what prints back the same.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"status 5.1.1.", "550-5.1.1 x 4.2.0", "5.7.8.1", "15.20.8000.10", "+5.-7.8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range Find(s, 8) {
			again, ok := Parse(fmt.Sprintf("%d.%d.%d", c[0], c[1], c[2]))
			if !ok || again != c {
				t.Fatalf("%q: found %v, which does not read back", s, c)
			}
		}
		if c, ok := Parse(s); ok {
			if got := Find(s, 8); len(got) != 1 || got[0] != c {
				t.Fatalf("%q parses as %v, but Find gives %v", s, c, got)
			}
		}
	})
}
