package invitation

import (
	"math"
	"time"

	"caucusgate/queue"
)

// State is where an invitation stands.
type State string

// The states: open; answered, when every caucus answered; closed by an
// admin; expired, when its deadline passed unanswered.
const (
	Open     State = "open"
	Answered State = "answered"
	Closed   State = "closed"
	Expired  State = "expired"
)

// View is one invitation as the bureau sees it; its JSON is that of
// `caucusgate invitations list -json` (CONTRACT.md): times RFC 3339, a date
// not found null.
type View struct {
	ID             int64        `json:"id"`
	MessageID      string       `json:"message_id"`
	Subject        string       `json:"subject"`
	Inviter        string       `json:"inviter"`
	Received       time.Time    `json:"received"`
	Deadline       *time.Time   `json:"deadline"`
	DeadlineSource string       `json:"deadline_source"`
	DeadlinePhrase string       `json:"deadline_phrase,omitempty"`
	DeadlineFirm   bool         `json:"deadline_firm"`
	Event          *time.Time   `json:"event"`
	EventSource    string       `json:"event_source"`
	EventPhrase    string       `json:"event_phrase,omitempty"`
	NoticeDays     *int         `json:"notice_days"`
	ShortNotice    bool         `json:"short_notice"`
	Late           bool         `json:"late"` // arrived after its own deadline
	State          State        `json:"state"`
	Caucuses       []CaucusView `json:"caucuses"`
}

// CaucusView is one caucus of an invitation.
type CaucusView struct {
	ID         string     `json:"id"`
	Delivered  bool       `json:"delivered"` // every copy sent
	Failed     bool       `json:"failed"`    // some copy failed for good
	Pending    bool       `json:"pending"`   // some copy not sent yet
	Answers    int        `json:"answers"`
	Relayed    int        `json:"relayed"` // answers relayed to the inviter; the others wait for a slot
	LastAnswer *time.Time `json:"last_answer"`
	Reminded   []string   `json:"reminded"` // reminders sent ("7d", "2d")
}

// Mark is the one-word state of a caucus for a list: answered, failed,
// no answer (all copies sent), or sent (copies on their way).
func (c CaucusView) Mark() string {
	switch {
	case c.Answers > 0:
		return "answered"
	case c.Failed:
		return "failed"
	case c.Delivered:
		return "no answer"
	}
	return "sent"
}

// Viewer turns the store's invitations into views at a given time.
type Viewer struct{ opts *Options }

// NewViewer returns a viewer with the given settings.
func NewViewer(opts *Options) *Viewer { return &Viewer{opts: opts} }

// View is inv as of now.
func (v *Viewer) View(inv queue.Invitation, now time.Time) View {
	zone := v.opts.zone()
	out := View{ID: inv.ID, MessageID: inv.MessageID, Subject: inv.Subject, Inviter: inv.Inviter,
		Received: inv.Received.In(zone), Deadline: when(inv.Deadline.At, zone), DeadlineSource: inv.Deadline.Source,
		DeadlinePhrase: inv.Deadline.Phrase, Event: when(inv.Event.At, zone), EventSource: inv.Event.Source,
		EventPhrase: inv.Event.Phrase, Caucuses: make([]CaucusView, 0, len(inv.Caucuses))}
	out.DeadlineFirm = out.Deadline != nil && (inv.DeadlineConfirmed || inv.Deadline.Source != "text")
	for _, c := range inv.Caucuses {
		out.Caucuses = append(out.Caucuses, caucusView(c, zone))
	}
	if due := firstOf(out.Deadline, out.Event); due != nil {
		days := noticeDays(inv.Received.In(zone), *due)
		out.NoticeDays = &days
		out.ShortNotice = time.Duration(days)*24*time.Hour < v.opts.shortNotice()
	}
	out.Late = out.Deadline != nil && dayEnd(*out.Deadline).Before(inv.Received)
	out.State = v.state(inv, out, now)
	return out
}

func caucusView(c queue.InvitationCaucus, zone *time.Location) CaucusView {
	reminded := c.Reminders
	if reminded == nil {
		reminded = []string{}
	}
	return CaucusView{ID: c.Caucus, Delivered: c.Copies > 0 && c.Sent == c.Copies, Failed: c.Failed > 0,
		Pending: c.Pending > 0, Answers: c.Answers, Relayed: c.Relayed, LastAnswer: when(c.LastAnswer, zone),
		Reminded: reminded}
}

func (v *Viewer) state(inv queue.Invitation, out View, now time.Time) State {
	switch {
	case !inv.Closed.IsZero():
		return Closed
	case allAnswered(out.Caucuses):
		return Answered
	case out.Deadline != nil && !now.Before(dayEnd(*out.Deadline)):
		return Expired
	}
	return Open
}

func allAnswered(cs []CaucusView) bool {
	for _, c := range cs {
		if c.Answers == 0 {
			return false
		}
	}
	return len(cs) > 0
}

// dayEnd is the end of a deadline's day: a deadline of 15 January holds
// all that day.
func dayEnd(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
}

// noticeDays is the whole days from receipt to the due date's day,
// negative when it came after it.
func noticeDays(received, due time.Time) int {
	r := time.Date(received.Year(), received.Month(), received.Day(), 0, 0, 0, 0, time.UTC)
	d := time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC)
	return int(math.Round(d.Sub(r).Hours() / 24))
}

func when(t time.Time, zone *time.Location) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.In(zone)
	return &t
}

func firstOf(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil {
			return t
		}
	}
	return nil
}
