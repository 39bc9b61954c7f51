package admin

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"caucusgate/gateway/invitation"
	"caucusgate/queue"
)

// memInvitations is the in-memory half of memBackend for the Invitations
// pages: the store's invitations, viewed as the gateway views them.
type memInvitations struct {
	mu        sync.Mutex
	invs      []queue.Invitation
	timelines map[int64][]TimelineEvent
	fail      error    // every call fails with it
	acted     []string // "close 41 admin", "deadline 41 2027-02-01 admin"
}

var testViewer = invitation.NewViewer(&invitation.Options{Zone: time.UTC})

func (m *memInvitations) Invitations(_ context.Context, limit int) ([]Invitation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	var vs []invitation.View
	for _, inv := range m.invs[:min(limit, len(m.invs))] {
		vs = append(vs, testViewer.View(inv, testNow))
	}
	var out []Invitation
	for _, v := range invitation.Sorted(vs) {
		out = append(out, Invitation{View: v})
	}
	return out, nil
}

func (m *memInvitations) find(id int64) (*queue.Invitation, error) {
	if m.fail != nil {
		return nil, m.fail
	}
	i := slices.IndexFunc(m.invs, func(inv queue.Invitation) bool { return inv.ID == id })
	if i < 0 {
		return nil, fmt.Errorf("get invitation %d: %w", id, queue.ErrNotFound)
	}
	return &m.invs[i], nil
}

func (m *memInvitations) Invitation(_ context.Context, id int64) (Invitation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, err := m.find(id)
	if err != nil {
		return Invitation{}, err
	}
	return Invitation{View: testViewer.View(*inv, testNow), Timeline: m.timelines[id]}, nil
}

// act runs change on invitation id when allowed says its state allows it.
func (m *memInvitations) act(id int64, what string, allowed func(*queue.Invitation) bool, change func(*queue.Invitation)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	inv, err := m.find(id)
	if err != nil {
		return err
	}
	if !allowed(inv) {
		return fmt.Errorf("%s invitation %d: %w", what, id, queue.ErrWrongState)
	}
	change(inv)
	m.acted = append(m.acted, what)
	return nil
}

func (m *memInvitations) CloseInvitation(_ context.Context, id int64, by string) error {
	return m.act(id, fmt.Sprint("close ", id, " ", by), func(inv *queue.Invitation) bool { return inv.Closed.IsZero() },
		func(inv *queue.Invitation) { inv.Closed = testNow })
}

func (m *memInvitations) ReopenInvitation(_ context.Context, id int64, by string) error {
	return m.act(id, fmt.Sprint("reopen ", id, " ", by), func(inv *queue.Invitation) bool { return !inv.Closed.IsZero() },
		func(inv *queue.Invitation) { inv.Closed = time.Time{} })
}

func (m *memInvitations) SetInvitationDeadline(_ context.Context, id int64, day time.Time, by string) error {
	shown := "none"
	if !day.IsZero() {
		shown = day.Format(time.DateOnly)
	}
	return m.act(id, fmt.Sprint("deadline ", id, " ", shown, " ", by), func(*queue.Invitation) bool { return true },
		func(inv *queue.Invitation) {
			inv.Deadline, inv.DeadlineConfirmed = queue.InvitationDate{At: day, Source: "admin"}, !day.IsZero()
			if day.IsZero() {
				inv.Deadline.Source = ""
			}
		})
}

func (m *memInvitations) ConfirmInvitationDeadline(_ context.Context, id int64, by string) error {
	return m.act(id, fmt.Sprint("confirm ", id, " ", by),
		func(inv *queue.Invitation) bool {
			return !inv.Deadline.At.IsZero() && inv.Deadline.Source == "text" && !inv.DeadlineConfirmed
		},
		func(inv *queue.Invitation) { inv.DeadlineConfirmed = true })
}

// sampleInvitations are four invitations as of testNow (26 November
// 2026): 41 open at short notice with a text deadline, one caucus
// answered and one reminded; 42 open with an admin's deadline, one caucus
// failed and one still sending; 43 closed; 44 answered, with a calendar
// event and no deadline.
func sampleInvitations() *memInvitations {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 9, 30, 0, 0, time.UTC) }
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	answered := func(id string) queue.InvitationCaucus {
		return queue.InvitationCaucus{Caucus: id, Copies: 1, Sent: 1, Answers: 1, Relayed: 1, FirstAnswer: day(11, 25), LastAnswer: day(11, 25)}
	}
	return &memInvitations{
		invs: []queue.Invitation{
			{ID: 41, MessageID: "inv-41@itu.int", Inviter: "events@itu.int", Subject: `WSIS+20 <review> & "consultation"`,
				Received: day(11, 24), Deadline: queue.InvitationDate{At: date(2026, 12, 4), Source: "text", Phrase: "Deadline for inputs: 4 December"},
				Caucuses: []queue.InvitationCaucus{
					{Caucus: "education", Copies: 1, Sent: 1, Reminders: []string{"7d"}},
					answered("gender"),
				}},
			{ID: 42, MessageID: "inv-42@unesco.org", Inviter: "Ops <ops@unesco.org>", Subject: "Consultation on open science",
				Received: day(11, 20), Deadline: queue.InvitationDate{At: date(2027, 1, 15), Source: "admin", Phrase: "set by admin"},
				DeadlineConfirmed: true,
				Caucuses: []queue.InvitationCaucus{
					{Caucus: "education", Copies: 1, Failed: 1},
					{Caucus: "gender", Copies: 1, Pending: 1},
				}},
			{ID: 43, MessageID: "inv-43@itu.int", Inviter: "events@itu.int", Subject: "Old forum", Received: day(10, 1),
				Closed: day(10, 20), Caucuses: []queue.InvitationCaucus{{Caucus: "gender", Copies: 1, Sent: 1}}},
			{ID: 44, MessageID: "inv-44@ohchr.org", Inviter: "hrc@ohchr.org", Subject: "Human Rights Council side event", Received: day(11, 2),
				Event:    queue.InvitationDate{At: time.Date(2027, 3, 2, 14, 0, 0, 0, time.UTC), Source: "calendar", Phrase: "DTSTART"},
				Caucuses: []queue.InvitationCaucus{answered("gender")}},
		},
		timelines: map[int64][]TimelineEvent{41: {
			{At: day(11, 24), What: "received", Detail: "from events@itu.int"},
			{At: day(11, 24), What: "decided", Detail: "forward: rule itu-invitations"},
			{At: day(11, 24), What: "forwarded", Caucus: "education"},
			{At: day(11, 24).Add(time.Minute), What: "delivered", Caucus: "education"},
			{At: day(11, 25), What: "answer", Caucus: "gender", Detail: "gina@gender.example.net"},
			{At: day(11, 25).Add(time.Hour), What: "relayed", Caucus: "gender"},
			{At: day(11, 26), What: "reminder", Caucus: "education", Detail: "7d"},
		}},
	}
}
