package invitation

import (
	"cmp"
	"slices"
	"time"
)

// Sorted orders views as the bureau reads them: open invitations first, by
// deadline (those without one after), then the others, newest first. It
// sorts vs in place and returns it.
func Sorted(vs []View) []View {
	slices.SortStableFunc(vs, func(a, b View) int {
		if ao, bo := a.State == Open, b.State == Open; ao != bo {
			if ao {
				return -1
			}
			return 1
		}
		if a.State == Open {
			if c := compareDue(a.Deadline, b.Deadline); c != 0 {
				return c
			}
		}
		return b.Received.Compare(a.Received)
	})
	return vs
}

// compareDue orders deadlines, a missing one last.
func compareDue(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(a.UnixNano(), b.UnixNano())
}
