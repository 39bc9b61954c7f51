package schedule_test

import (
	"fmt"
	"time"

	"caucusgate/rules/schedule"
)

// A 02:30 relay in Zurich on the night the clocks spring forward, and on
// the night they fall back.
func Example() {
	s, err := schedule.Parse("CRON_TZ=Europe/Zurich 30 2 * * *")
	if err != nil {
		panic(err)
	}
	for _, arrived := range []time.Time{
		time.Date(2025, 3, 29, 23, 0, 0, 0, time.UTC),
		time.Date(2025, 10, 25, 23, 0, 0, 0, time.UTC),
	} {
		fmt.Println(s.DueSlot(arrived).Format(time.RFC3339))
	}
	// Down from Monday's slot to Thursday noon: one catch-up run.
	slot, ok := s.CatchUp(time.Date(2025, 6, 2, 0, 30, 0, 0, time.UTC), time.Date(2025, 6, 5, 10, 0, 0, 0, time.UTC))
	fmt.Println(slot.Format(time.RFC3339), ok)
	// Output:
	// 2025-03-30T03:00:00+02:00
	// 2025-10-26T02:30:00+02:00
	// 2025-06-05T02:30:00+02:00 true
}
