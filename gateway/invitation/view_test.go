package invitation

import (
	"encoding/json"
	"testing"
	"time"

	"caucusgate/queue"
)

func TestViewState(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 12, 1, 9, 0, 0, 0, zurich)
	deadline := time.Date(2027, 1, 15, 0, 0, 0, 0, zurich)
	answered := queue.InvitationCaucus{Caucus: "gender", Copies: 1, Sent: 1, Answers: 1, Relayed: 1, LastAnswer: received.Add(48 * time.Hour)}
	silent := queue.InvitationCaucus{Caucus: "education", Copies: 2, Sent: 1, Failed: 1}
	base := queue.Invitation{ID: 7, Received: received, Deadline: queue.InvitationDate{At: deadline, Source: "text"},
		Caucuses: []queue.InvitationCaucus{answered, silent}}
	tests := []struct {
		name   string
		mod    func(*queue.Invitation)
		now    time.Time
		state  State
		notice int
		short  bool
	}{
		{"open", nil, received, Open, 45, false},
		{"deadline day still open", nil, time.Date(2027, 1, 15, 23, 0, 0, 0, zurich), Open, 45, false},
		{"expired the day after", nil, time.Date(2027, 1, 16, 0, 0, 0, 0, zurich), Expired, 45, false},
		{"closed", func(i *queue.Invitation) { i.Closed = received }, received, Closed, 45, false},
		{"answered by all", func(i *queue.Invitation) { i.Caucuses = []queue.InvitationCaucus{answered} },
			time.Date(2027, 2, 1, 0, 0, 0, 0, zurich), Answered, 45, false},
		{"short notice", func(i *queue.Invitation) { i.Deadline.At = time.Date(2026, 12, 10, 0, 0, 0, 0, zurich) }, received, Open, 9, true},
		{"event when no deadline", func(i *queue.Invitation) {
			i.Deadline = queue.InvitationDate{}
			i.Event = queue.InvitationDate{At: time.Date(2026, 12, 4, 10, 0, 0, 0, zurich), Source: "calendar"}
		}, received, Open, 3, true},
	}
	v := NewViewer(&Options{Zone: zurich})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := base
			inv.Caucuses = append([]queue.InvitationCaucus(nil), base.Caucuses...)
			if tc.mod != nil {
				tc.mod(&inv)
			}
			got := v.View(inv, tc.now)
			if got.State != tc.state || got.NoticeDays == nil || *got.NoticeDays != tc.notice || got.ShortNotice != tc.short {
				t.Errorf("state %s notice %v short %v, want %s %d %v", got.State, deref(got.NoticeDays), got.ShortNotice, tc.state, tc.notice, tc.short)
			}
		})
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestViewLateAndMarks(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 12, 20, 9, 0, 0, 0, zurich)
	inv := queue.Invitation{Received: received, Deadline: queue.InvitationDate{At: time.Date(2026, 12, 15, 0, 0, 0, 0, zurich), Source: "text"},
		Caucuses: []queue.InvitationCaucus{{Caucus: "a", Copies: 1, Sent: 1}, {Caucus: "b", Copies: 1, Failed: 1}, {Caucus: "c", Copies: 1, Pending: 1}, {Caucus: "d", Copies: 1, Sent: 1, Answers: 2}}}
	got := NewViewer(&Options{Zone: zurich}).View(inv, received)
	if !got.Late || *got.NoticeDays != -5 || got.DeadlineFirm {
		t.Errorf("late %v notice %d firm %v", got.Late, *got.NoticeDays, got.DeadlineFirm)
	}
	want := []string{"no answer", "failed", "sent", "answered"}
	for i, c := range got.Caucuses {
		if c.Mark() != want[i] {
			t.Errorf("caucus %s mark %q, want %q", c.ID, c.Mark(), want[i])
		}
	}
}

// TestViewJSON pins the fields of `invitations list -json` (CONTRACT.md).
func TestViewJSON(t *testing.T) {
	t.Parallel()
	inv := queue.Invitation{ID: 3, MessageID: "inv@itu.int", Subject: "Invitation", Inviter: "events@itu.int",
		Received: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC),
		Caucuses: []queue.InvitationCaucus{{Caucus: "gender", Copies: 1, Sent: 1}}}
	b, err := json.Marshal(NewViewer(&Options{Zone: zurich}).View(inv, inv.Received))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "message_id", "subject", "inviter", "received", "deadline", "deadline_source", "event", "event_source", "notice_days", "state", "caucuses"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if m["deadline"] != nil || m["event"] != nil || m["notice_days"] != nil {
		t.Errorf("missing dates are not null: %s", b)
	}
	if m["received"] != "2026-12-01T09:00:00+01:00" {
		t.Errorf("received %v", m["received"])
	}
	c := m["caucuses"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "delivered", "failed", "answers", "last_answer", "reminded"} {
		if _, ok := c[k]; !ok {
			t.Errorf("no caucus %q in %s", k, b)
		}
	}
}
