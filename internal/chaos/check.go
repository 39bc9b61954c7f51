package chaos

import (
	"fmt"
	"slices"
	"strings"
)

// Outcome is what Check found.
type Outcome struct {
	Expected     int   // deliveries that had to happen
	Lost         []Key // expected, yet never accepted by the relay or never in the Maildir
	Duplicated   int   // repeated acceptances at the relay (the gateway's repeats)
	Allowed      int   // deliveries that could repeat: in flight at a kill, or stalled
	Excess       []Key // repeated beyond what a kill or a stall explains
	StackRepeats int   // copies in the Maildirs beyond the relay's acceptances: Postfix's or LMTP's repeats, not the gateway's
	Unexpected   []Key // accepted at the relay, yet no expected delivery
}

// OK says nothing was lost and every repeat is explained.
func (o Outcome) OK() bool { return len(o.Lost) == 0 && len(o.Excess) == 0 }

// Check compares the deliveries that had to happen with the relay's
// acceptances and the copies found in the Maildirs. Each entry of
// mayRepeat (a delivery in flight at a kill, or stalled at the relay)
// allows that delivery one more acceptance; any other repeat is excess.
func Check(expected []Key, accepted, delivered map[Key]int, mayRepeat []Key) Outcome {
	allowance := map[Key]int{}
	for _, k := range mayRepeat {
		allowance[k]++
	}
	o := Outcome{Expected: len(expected)}
	want := map[Key]bool{}
	for _, k := range expected {
		want[k] = true
		if accepted[k] == 0 || delivered[k] == 0 {
			o.Lost = append(o.Lost, k)
		}
	}
	for k, n := range accepted {
		if !want[k] {
			o.Unexpected = append(o.Unexpected, k)
		}
		o.StackRepeats += max(delivered[k]-n, 0)
		if n <= 1 {
			continue
		}
		o.Duplicated += n - 1
		ok := min(n-1, allowance[k])
		o.Allowed += ok
		for range n - 1 - ok {
			o.Excess = append(o.Excess, k)
		}
	}
	for _, s := range [][]Key{o.Lost, o.Excess, o.Unexpected} {
		slices.SortFunc(s, func(a, b Key) int { return strings.Compare(a.String(), b.String()) })
	}
	return o
}

// String is the outcome's summary line.
func (o Outcome) String() string {
	return fmt.Sprintf("expected %d deliveries, lost %d, duplicated %d (%d explained by a kill or a stall, %d not), stack repeats %d, unexpected %d",
		o.Expected, len(o.Lost), o.Duplicated, o.Allowed, len(o.Excess), o.StackRepeats, len(o.Unexpected))
}
