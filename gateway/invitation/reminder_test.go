package invitation

import (
	"testing"
	"time"
)

func TestDueReminders(t *testing.T) {
	t.Parallel()
	rs, err := ParseReminders([]string{"2d", "7d"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Date(2027, 1, 15, 0, 0, 0, 0, zurich)
	received := time.Date(2026, 12, 1, 9, 0, 0, 0, zurich)
	base := func() View {
		return View{ID: 4, State: Open, Deadline: &deadline, DeadlineFirm: true, Received: received,
			Caucuses: []CaucusView{{ID: "gender", Answers: 1}, {ID: "education"}}}
	}
	at := func(m time.Month, d, h int) time.Time { return time.Date(2027, m, d, h, 0, 0, 0, zurich) }
	tests := []struct {
		name string
		mod  func(*View)
		now  time.Time
		want string // "caucus/reminder", "" for none
	}{
		{"before the first", nil, at(1, 7, 23), ""},
		{"7d to the caucus that has not answered", nil, at(1, 8, 0), "education/7d"},
		{"7d once", func(v *View) { v.Caucuses[1].Reminded = []string{"7d"} }, at(1, 10, 9), ""},
		{"2d after 7d", func(v *View) { v.Caucuses[1].Reminded = []string{"7d"} }, at(1, 13, 9), "education/2d"},
		{"a missed 7d is not sent once 2d is due", nil, at(1, 14, 9), "education/2d"},
		{"deadline day", func(v *View) { v.Caucuses[1].Reminded = []string{"7d"} }, at(1, 15, 20), "education/2d"},
		{"guessed deadline", func(v *View) { v.DeadlineFirm = false }, at(1, 8, 9), ""},
		{"closed", func(v *View) { v.State = Closed }, at(1, 8, 9), ""},
		{"expired", func(v *View) { v.State = Expired }, at(1, 16, 9), ""},
		{"all answered", func(v *View) { v.State = Answered; v.Caucuses[1].Answers = 1 }, at(1, 8, 9), ""},
		{"no deadline", func(v *View) { v.Deadline = nil }, at(1, 8, 9), ""},
		{"arrived after the 7d time", func(v *View) { v.Received = at(1, 9, 9) }, at(1, 10, 9), ""},
		{"arrived after the 7d time, 2d still goes", func(v *View) { v.Received = at(1, 9, 9) }, at(1, 13, 9), "education/2d"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := base()
			if tc.mod != nil {
				tc.mod(&v)
			}
			got := ""
			for _, d := range DueReminders(v, rs, tc.now) {
				if got != "" {
					got += " "
				}
				got += d.Caucus + "/" + d.Reminder.Name
			}
			if got != tc.want {
				t.Errorf("due %q, want %q", got, tc.want)
			}
		})
	}
	if DueReminders(base(), nil, at(1, 8, 9)) != nil {
		t.Error("reminders went with none configured")
	}
}

func TestParseReminders(t *testing.T) {
	t.Parallel()
	for _, bad := range [][]string{{"soon"}, {"0d"}, {"-2d"}, {"7d", "168h"}} {
		if _, err := ParseReminders(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	rs, err := ParseReminders([]string{"36h", "7d"})
	if err != nil || rs[0].Name != "7d" || rs[1].Before != 36*time.Hour {
		t.Errorf("%+v, %v", rs, err)
	}
}
