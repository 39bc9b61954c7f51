package invitation

import (
	"slices"
	"time"
)

// Summary is the bureau's weekly view of its invitations
// (invitations.summary_to): what is open, by deadline; which caucuses have
// not answered; what came at short notice; which copies failed.
type Summary struct {
	Date        time.Time // when it was made, in the display zone
	Open        []View    // open invitations, by deadline (none last)
	NoAnswer    []Waiting // open invitations with caucuses that have not answered
	ShortNotice []View    // open invitations that came at short notice
	Failed      []Waiting // invitations, not closed, with copies that failed for good
}

// Waiting is an invitation and the caucuses it lists it for.
type Waiting struct {
	View
	CaucusIDs []string
}

// NewSummary makes the summary of views at now.
func NewSummary(views []View, now time.Time) Summary {
	s := Summary{Date: now}
	for _, v := range Sorted(slices.Clone(views)) {
		if v.State == Open {
			s.Open = append(s.Open, v)
			if ids := caucusesWhere(v, func(c CaucusView) bool { return c.Answers == 0 }); len(ids) > 0 {
				s.NoAnswer = append(s.NoAnswer, Waiting{View: v, CaucusIDs: ids})
			}
			if v.ShortNotice {
				s.ShortNotice = append(s.ShortNotice, v)
			}
		}
		if v.State == Closed {
			continue
		}
		if ids := caucusesWhere(v, func(c CaucusView) bool { return c.Failed }); len(ids) > 0 {
			s.Failed = append(s.Failed, Waiting{View: v, CaucusIDs: ids})
		}
	}
	return s
}

// Empty says there is nothing to report.
func (s Summary) Empty() bool {
	return len(s.Open) == 0 && len(s.Failed) == 0
}

func caucusesWhere(v View, keep func(CaucusView) bool) []string {
	var out []string
	for _, c := range v.Caucuses {
		if keep(c) {
			out = append(out, c.ID)
		}
	}
	return out
}
