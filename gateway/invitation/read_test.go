package invitation

import (
	"os"
	"testing"
	"time"
)

var zurich, _ = time.LoadLocation("Europe/Zurich")

func TestReadCalendarAndText(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/calendar.eml")
	if err != nil {
		t.Fatal(err)
	}
	received := time.Date(2026, 12, 1, 9, 5, 0, 0, zurich)
	r := NewReader(&Options{Zone: zurich})
	tests := []struct {
		name, subject, deadline, deadlineSource string
		trusted                                 bool
	}{
		{"text deadline", "Invitation: consultation", "2027-01-15T00:00:00+01:00", "text", false},
		{"trusted tag overrides", "Invitation [deadline: 2027-01-10]", "2027-01-10T00:00:00+01:00", "tag", true},
		{"untrusted tag ignored", "Invitation [deadline: 2027-01-10]", "2027-01-15T00:00:00+01:00", "text", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv, trace := r.Read(Message{Raw: raw, Subject: tc.subject, Inviter: "events@itu.int", Received: received, TagTrusted: tc.trusted})
			if got := inv.Deadline.At.Format(time.RFC3339); got != tc.deadline || inv.Deadline.Source != tc.deadlineSource {
				t.Errorf("deadline %s from %q, want %s from %q", got, inv.Deadline.Source, tc.deadline, tc.deadlineSource)
			}
			// The calendar's event wins over the text's "2 March" and keeps its hour and zone.
			if got := inv.Event.At.Format(time.RFC3339); got != "2027-03-02T14:00:00+01:00" || inv.Event.Source != "calendar" {
				t.Errorf("event %s from %q", got, inv.Event.Source)
			}
			if inv.Subject != "Invitation: consultation" && inv.Subject != "Invitation" {
				t.Errorf("subject %q keeps its tag", inv.Subject)
			}
			if trace.Deadline == nil || trace.Deadline.Phrase == "" || trace.Event == nil {
				t.Errorf("trace %+v", trace)
			}
		})
	}
}

func TestReadNothingFound(t *testing.T) {
	t.Parallel()
	raw := []byte("From: a@b.org\r\nSubject: hello\r\nDate: nonsense\r\n\r\nNo dates here, may I remind you of the 55th session.\r\n")
	inv, trace := NewReader(nil).Read(Message{Raw: raw, Subject: "hello", Received: time.Now()})
	if !inv.Deadline.At.IsZero() || !inv.Event.At.IsZero() || trace.Deadline != nil {
		t.Errorf("found %+v", inv)
	}
}

func TestReadMalformedCalendarWarns(t *testing.T) {
	t.Parallel()
	raw := []byte("From: a@b.org\r\nSubject: x\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nnot ical\r\n")
	_, trace := NewReader(nil).Read(Message{Raw: raw, Subject: "x", Received: time.Now()})
	if len(trace.Warnings) == 0 {
		t.Error("a malformed calendar part gave no warning")
	}
}
