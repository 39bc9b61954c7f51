package chaos

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Faults counts the faults injected, by kind, and collects the deliveries
// each made liable to repeat.
type Faults struct {
	mu        sync.Mutex
	counts    map[string]int
	mayRepeat []Key
}

// Add counts one fault of kind, with the deliveries it may repeat.
func (f *Faults) Add(kind string, mayRepeat ...Key) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = map[string]int{}
	}
	f.counts[kind]++
	f.mayRepeat = append(f.mayRepeat, mayRepeat...)
}

// MayRepeat lists the deliveries the faults made liable to repeat.
func (f *Faults) MayRepeat() []Key {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.mayRepeat)
}

// Total is the number of faults injected.
func (f *Faults) Total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.counts {
		n += c
	}
	return n
}

// String lists the faults by kind, sorted: "kill9=3 pg-cut=2".
func (f *Faults) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(f.counts)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, f.counts[k]))
	}
	return strings.Join(parts, " ")
}

// Summary is the suite's result line: seed (to replay the run), rounds,
// faults, and the checker's outcome.
func Summary(scenario string, seed int64, rounds int, f *Faults, o Outcome) string {
	return fmt.Sprintf("chaos %s: seed %d, rounds %d, faults %d (%s); %s",
		scenario, seed, rounds, f.Total(), f.String(), o)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
