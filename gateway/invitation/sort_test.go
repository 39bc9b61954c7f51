package invitation

import (
	"testing"
	"time"
)

func TestSortedOpenFirstByDeadline(t *testing.T) {
	t.Parallel()
	day := func(d int) *time.Time { t := time.Date(2027, 1, d, 0, 0, 0, 0, time.UTC); return &t }
	recv := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	vs := []View{
		{ID: 1, State: Closed, Received: recv(5)},
		{ID: 2, State: Open, Received: recv(1)},
		{ID: 3, State: Open, Deadline: day(20), Received: recv(2)},
		{ID: 4, State: Answered, Received: recv(9)},
		{ID: 5, State: Open, Deadline: day(10), Received: recv(3)},
	}
	var got []int64
	for _, v := range Sorted(vs) {
		got = append(got, v.ID)
	}
	want := []int64{5, 3, 2, 4, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}
