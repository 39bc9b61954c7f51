package msgtext

import (
	"strings"
	"testing"
	"time"
)

// TestCalendarsAndDate: with Options.Calendars, the one walk gives the
// calendar parts decoded (an attachment's too) beside the text, and the Date.
func TestCalendarsAndDate(t *testing.T) {
	raw := "Date: Tue, 1 Dec 2026 09:00:00 +0100\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nSee the invitation.\r\n" +
		"--b\r\nContent-Type: text/calendar; method=REQUEST\r\nContent-Transfer-Encoding: base64\r\n\r\nQkVHSU46VkNBTEVOREFS\r\n" +
		"--b\r\nContent-Type: application/ics\r\nContent-Disposition: attachment; filename=invite.ics\r\n\r\nBEGIN:VEVENT\r\n" +
		"--b--\r\n"
	got := Extract([]byte(raw), &Options{Calendars: true})
	if len(got.Calendars) != 2 || string(got.Calendars[0]) != "BEGIN:VCALENDAR" || !strings.HasPrefix(string(got.Calendars[1]), "BEGIN:VEVENT") {
		t.Errorf("calendars = %q", got.Calendars)
	}
	if len(got.Attachments) != 2 || got.Attachments[0].Size != int64(len("BEGIN:VCALENDAR")) {
		t.Errorf("attachments = %+v, want both calendars listed with their decoded size", got.Attachments)
	}
	if want := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC); !got.Date.Equal(want) {
		t.Errorf("date = %v, want %v", got.Date, want)
	}
	if !strings.Contains(got.Text, "See the invitation.") {
		t.Errorf("text = %q", got.Text)
	}
	if plain := Extract([]byte(raw), nil); plain.Calendars != nil || len(plain.Attachments) != 2 {
		t.Errorf("without the option: calendars %q, attachments %+v", plain.Calendars, plain.Attachments)
	}
}
