package benchforward

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCountMaildir(t *testing.T) {
	for _, tt := range []struct {
		name             string
		newN, curN, tmpN int
		want             int
	}{
		{"empty", 0, 0, 0, 0},
		{"new only", 3, 0, 0, 3},
		{"new and cur", 2, 5, 0, 7},
		{"tmp left out", 1, 1, 4, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for sub, n := range map[string]int{"new": tt.newN, "cur": tt.curN, "tmp": tt.tmpN} {
				os.MkdirAll(filepath.Join(dir, sub), 0o755)
				for i := range n {
					os.WriteFile(filepath.Join(dir, sub, string(rune('a'+i))), nil, 0o644)
				}
			}
			got, err := countMaildir(dir)
			if err != nil || got != tt.want {
				t.Errorf("countMaildir = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
	if got, err := countMaildir(filepath.Join(t.TempDir(), "absent")); err != nil || got != 0 {
		t.Errorf("countMaildir of a Maildir not created yet = %d, %v; want 0, nil", got, err)
	}
}

func TestParseStatCPU(t *testing.T) {
	for _, tt := range []struct {
		stat string
		want time.Duration
		ok   bool
	}{
		{"4242 (caucusgate) S 1 4242 4242 0 -1 4194560 1500 0 0 0 250 75 0 0 20 0 9 0 1000 0 0", 3250 * time.Millisecond, true},
		{"7 (a) b) (c) R 1 7 7 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 1 0 0", 30 * time.Millisecond, true},
		{"no name here", 0, false},
		{"1 (x) S 1 2 3", 0, false},
		{"1 (x) S 1 1 1 0 -1 0 0 0 0 0 u 2", 0, false},
	} {
		got, err := parseStatCPU(tt.stat)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseStatCPU(%q) = %v, %v; want %v, ok %v", tt.stat, got, err, tt.want, tt.ok)
		}
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for _, tt := range []struct {
		p    int
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {1, time.Millisecond}} {
		if got := percentile(ds, tt.p); got != tt.want {
			t.Errorf("percentile(1..100 ms, %d) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("percentile of one = %v", got)
	}
}
