package admin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"caucusgate/gateway/invitation"
	"caucusgate/queue"
)

// InvitationBackend is what the Invitations pages show and act on. The
// id of an invitation is that of its message (and of its decision). An
// id that is no listed invitation is an error wrapping queue.ErrNotFound;
// an action the invitation's state refuses (closing a closed one,
// confirming a deadline that is firm or absent) wraps queue.ErrWrongState.
type InvitationBackend interface {
	// Invitations lists the invitations as the bureau reads them (open
	// ones first, by deadline; invitation.Sorted): the limit most
	// recently received, and every one not closed whose deadline is
	// still ahead, however old.
	Invitations(ctx context.Context, limit int) ([]Invitation, error)
	// Invitation is one invitation with its timeline.
	Invitation(ctx context.Context, id int64) (Invitation, error)
	// CloseInvitation closes an open invitation (no more reminders);
	// ReopenInvitation opens a closed one again. by is the admin login's
	// user.
	CloseInvitation(ctx context.Context, id int64, by string) error
	ReopenInvitation(ctx context.Context, id int64, by string) error
	// SetInvitationDeadline sets the deadline, a firm one, to day: only
	// its year, month and day count, a day in the invitations' zone. A
	// zero day removes the deadline.
	SetInvitationDeadline(ctx context.Context, id int64, day time.Time, by string) error
	// ConfirmInvitationDeadline makes a deadline read from the text
	// firm, so that reminders go out for it.
	ConfirmInvitationDeadline(ctx context.Context, id int64, by string) error
}

// Invitation is one invitation as the bureau sees it: the view that
// `caucusgate invitations` prints, and on its own page its timeline.
type Invitation struct {
	invitation.View
	Timeline []TimelineEvent // filled by Invitation only, oldest first
}

// TimelineEvent is one thing that happened to an invitation: received,
// decided, forwarded, delivered, failed, answer, relayed, reminder, and
// the admins' close, reopen, deadline and confirm.
type TimelineEvent = queue.TimelineEvent

// invitationFilter is the list's filters, read from the query of a GET
// form; each one set narrows the list.
type invitationFilter struct {
	Open     bool // state open
	Short    bool // short notice
	NoAnswer bool // some caucus has not answered
}

func filterOf(r *http.Request) invitationFilter {
	q := r.URL.Query()
	return invitationFilter{Open: q.Get("open") != "", Short: q.Get("short") != "", NoAnswer: q.Get("noanswer") != ""}
}

// Any says some filter is set.
func (f invitationFilter) Any() bool { return f.Open || f.Short || f.NoAnswer }

func (f invitationFilter) keep(v Invitation) bool {
	return (!f.Open || v.State == invitation.Open) && (!f.Short || v.ShortNotice) && (!f.NoAnswer || unanswered(v) > 0)
}

// unanswered counts the caucuses of v that have not answered.
func unanswered(v Invitation) int {
	n := 0
	for _, c := range v.Caucuses {
		if c.Answers == 0 {
			n++
		}
	}
	return n
}

// invitationsData is what the list shows: the invitations the filter
// keeps, out of how many.
type invitationsData struct {
	Filter      invitationFilter
	Invitations []Invitation
	Total       int
}

func (s *server) invitationsPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.cfg.Backend.Invitations(r.Context(), limit(r))
	if err != nil {
		s.fail(w, r, "list invitations", err)
		return
	}
	d := invitationsData{Filter: filterOf(r), Total: len(list)}
	for _, v := range list {
		if d.Filter.keep(v) {
			d.Invitations = append(d.Invitations, v)
		}
	}
	s.render(w, http.StatusOK, "invitations", s.newView(r, "invitations", "Invitations", d))
}

// invitationData is an invitation's page; a refused deadline form shows
// its error beside the field, with what was typed.
type invitationData struct {
	Invitation
	DeadlineError string
	DeadlineTyped string
}

func (s *server) invitationPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	s.showInvitation(w, r, id, http.StatusOK, invitationData{})
}

func (s *server) showInvitation(w http.ResponseWriter, r *http.Request, id int64, status int, d invitationData) {
	inv, err := s.cfg.Backend.Invitation(r.Context(), id)
	if err != nil {
		s.fail(w, r, "show invitation", err)
		return
	}
	d.Invitation = inv
	s.render(w, status, "invitation", s.newView(r, "invitations", "Invitation "+strconv.FormatInt(id, 10), d))
}

// setDeadline is the deadline form: a date sets the deadline, the remove
// button takes it away. A date that does not read is refused with 400 on
// the invitation's own page, saying why beside the field.
func (s *server) setDeadline(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	typed := strings.TrimSpace(r.PostForm.Get("deadline"))
	var day time.Time
	if r.PostForm.Get("remove") == "" {
		var err error
		if day, err = parseDay(typed, s.cfg.Now()); err != nil {
			s.showInvitation(w, r, id, http.StatusBadRequest, invitationData{DeadlineError: err.Error(), DeadlineTyped: clip(typed, 40)})
			return
		}
	}
	if err := s.cfg.Backend.SetInvitationDeadline(r.Context(), id, day, userOf(r)); err != nil {
		s.fail(w, r, "set the deadline", err)
		return
	}
	done := "deadline"
	if day.IsZero() {
		done = "deadline-removed"
	}
	s.log.Info("set invitation deadline", "id", id, "deadline", typed, "by", userOf(r))
	redirectDone(w, r, invitationPath(id), done, id)
}

// deadlineYears bounds a deadline typed on the page around today: a year
// beyond is a typing mistake (20277-01-15, 1027-01-15), not a deadline.
const deadlineYears = 10

// parseDay reads a date field's value, YYYY-MM-DD (what a browser's date
// input sends), as a day.
func parseDay(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("no date given: enter the deadline as YYYY-MM-DD, or remove it")
	}
	day, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: enter the deadline as YYYY-MM-DD, e.g. 2027-01-15", clip(s, 40))
	}
	if y := day.Year(); y < now.Year()-deadlineYears || y > now.Year()+deadlineYears {
		return time.Time{}, fmt.Errorf("%s is more than %d years from today: check the year", s, deadlineYears)
	}
	return day, nil
}

// clip bounds what is echoed back of a form field.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func invitationPath(id int64) string { return "/invitations/" + strconv.FormatInt(id, 10) }

// invitationActions are the invitation forms with no field but the token.
func (s *server) invitationActions() map[string]action {
	b := s.cfg.Backend
	return map[string]action{
		"POST /invitations/{id}/close": {"close invitation", "closed", "/invitations/{id}", func(r *http.Request, id int64, by string) error {
			return b.CloseInvitation(r.Context(), id, by)
		}},
		"POST /invitations/{id}/reopen": {"reopen invitation", "reopened", "/invitations/{id}", func(r *http.Request, id int64, by string) error {
			return b.ReopenInvitation(r.Context(), id, by)
		}},
		"POST /invitations/{id}/confirm": {"confirm invitation deadline", "confirmed", "/invitations/{id}", func(r *http.Request, id int64, by string) error {
			return b.ConfirmInvitationDeadline(r.Context(), id, by)
		}},
	}
}

// noticeText says an invitation's days of notice as a person reads them.
func noticeText(v invitation.View) string {
	if v.NoticeDays == nil {
		return "–"
	}
	switch n := *v.NoticeDays; {
	case n < 0:
		return fmt.Sprintf("%d days late", -n)
	case n == 1:
		return "1 day"
	default:
		return fmt.Sprintf("%d days", n)
	}
}

// markClass styles a caucus's mark; the word itself says it, the colour
// only helps.
func markClass(mark string) string {
	switch mark {
	case "answered":
		return "sent"
	case "failed", "no answer":
		return "failed"
	}
	return "pending"
}

// day shows a date as the day it is in its own zone (the invitations'):
// a deadline is a day, and shown in another zone it could be the day
// before.
func day(t *time.Time) string {
	if t == nil {
		return "–"
	}
	return t.Format(time.DateOnly)
}

// eventTime shows an event in its own zone: as a day when it has no time
// of day (read from text), with its time and zone when it has one (a
// calendar's DTSTART).
func eventTime(t *time.Time) string {
	if t == nil {
		return "–"
	}
	if t.Hour() == 0 && t.Minute() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01-02 15:04 MST")
}

// timelineWhat names a timeline event for a reader.
func timelineWhat(what string) string {
	if s, ok := timelineWords[what]; ok {
		return s
	}
	return what
}

var timelineWords = map[string]string{
	"answer": "answered", "reminder": "reminder sent", "close": "closed by an admin", "reopen": "reopened by an admin",
	"deadline": "deadline set by an admin", "confirm": "deadline confirmed by an admin",
}
