package invitation

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reminder is one configured reminder (invitations.reminders): its name as
// written ("7d") and how long before the deadline it goes.
type Reminder struct {
	Name   string
	Before time.Duration
}

// ParseReminders reads invitations.reminders: days ("7d") or Go durations
// ("36h"), each positive and named once.
func ParseReminders(names []string) ([]Reminder, error) {
	var out []Reminder
	for _, n := range names {
		d, err := parseBefore(n)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(r Reminder) bool { return r.Before == d }) {
			return nil, fmt.Errorf("reminder %q: given twice", n)
		}
		out = append(out, Reminder{Name: n, Before: d})
	}
	slices.SortFunc(out, furthestFirst)
	return out, nil
}

func furthestFirst(a, b Reminder) int { return cmp.Compare(b.Before, a.Before) }

func parseBefore(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("reminder %q: want days before the deadline (7d) or a duration (36h)", s)
	}
	return d, nil
}

// Due is one reminder to send now: reminder r of invitation v to caucus.
type Due struct {
	Invitation int64
	Caucus     string
	Reminder   Reminder
}

// DueReminders lists the reminders due at now for an invitation. A
// reminder goes only for a firm deadline (calendar, tag, admin, or a text
// deadline an admin confirmed: a guessed date never mails a roster), while
// the invitation is open (not closed, not expired), to each caucus that
// has not answered, once. Its window runs from its time before the
// deadline to the next reminder's: a daemon down for a while sends the
// latest one due, not each missed one, and an invitation that arrived
// after a reminder's time does not get it.
func DueReminders(v View, reminders []Reminder, now time.Time) []Due {
	if v.State != Open || !v.DeadlineFirm || v.Deadline == nil {
		return nil
	}
	reminders = slices.SortedFunc(slices.Values(reminders), furthestFirst)
	r, ok := current(reminders, *v.Deadline, v.Received, now)
	if !ok {
		return nil
	}
	var out []Due
	for _, c := range v.Caucuses {
		if c.Answers == 0 && !slices.Contains(c.Reminded, r.Name) {
			out = append(out, Due{Invitation: v.ID, Caucus: c.ID, Reminder: r})
		}
	}
	return out
}

// current is the reminder whose window holds now; reminders are sorted
// furthest first.
func current(reminders []Reminder, deadline, received, now time.Time) (Reminder, bool) {
	for i, r := range reminders {
		at := deadline.Add(-r.Before)
		if now.Before(at) || at.Before(received) {
			continue
		}
		if i+1 < len(reminders) && !now.Before(deadline.Add(-reminders[i+1].Before)) {
			continue // the next one is due: this one's time has gone
		}
		return r, true
	}
	return Reminder{}, false
}
