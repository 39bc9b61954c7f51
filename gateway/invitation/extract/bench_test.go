package extract

import (
	"strings"
	"testing"

	"caucusgate/internal/cputime"
)

// longInvitation is a typical long invitation: a letter with the dates in it,
// programme text around them and a quoted thread below.
var longInvitation = strings.Repeat("The Office is pleased to share the programme of work of the session, "+
	"with the list of speakers and the practical arrangements for participants.\n", 40) +
	"The consultation will be held in Geneva on 2 March 2027.\n" +
	"Deadline for written inputs: 15 January 2027. Please register by 1 February 2027.\n" +
	"La consultation se tiendra le 2 mars 2027. Date limite : 15 janvier 2027.\n" +
	"La consulta se celebrará el 2 de marzo de 2027. Fecha límite: 15 de enero de 2027.\n" +
	strings.Repeat("> earlier message, quoted: deadline 3 March\n", 100)

func BenchmarkTextLong(b *testing.B) {
	x := New(zurich)
	x.Text(longInvitation, received) // warm, as in a long-running process
	b.SetBytes(int64(len(longInvitation)))
	since := cputime.Process()
	for b.Loop() {
		if f := x.Text(longInvitation, received); f.Deadline == nil {
			b.Fatal("no deadline")
		}
	}
	cputime.Report(b, since, b.N)
}

// digitsInvitation is a long invitation whose every paragraph holds digits
// and an anchor's keyword (due, held, open, date, session...): the anchor
// scan runs on all of it, and the dates sit at its end.
var digitsInvitation = strings.Repeat(`Excellency,

With reference to resolution 78/215 of 19 December 2023 and to decision 2024/12, the Office has the honour to invite your Government to the 55th session, held in Room XX of the Palais des Nations (building E, floor 3), due to the renovation of Room 17.

Item 4 of the provisional agenda (A/HRC/55/1, paragraphs 12 to 48) will be open for statements of 3 minutes by States and 2 minutes by the 120 accredited organizations; the list of speakers opens 10 days before, on a first-come basis, and registration is done online at https://indico.un.org/event/1234/ with 2 documents per delegation.

Side events (45 minutes, 25 participants at most) are accepted until the rooms are full; requests received after the session is on its 2nd week are considered in due course, subject to the 3 conditions of annex 2.

Interpretation is provided in the 6 official languages during the 30 meetings; the date of the meeting of the Bureau (4 members, 1 rapporteur) will be confirmed by note verbale No. 2026/678.

`, 4) +
	"The consultation will be held in Geneva on 2 March 2027.\n\nDeadline for written inputs: 15 January 2027. Please register by 1 February 2027.\n"

func BenchmarkTextDigits(b *testing.B) {
	x := New(zurich)
	x.Text(digitsInvitation, received) // as in BenchmarkTextLong
	b.SetBytes(int64(len(digitsInvitation)))
	since := cputime.Process()
	for b.Loop() {
		if f := x.Text(digitsInvitation, received); f.Deadline == nil || f.Event == nil {
			b.Fatal("no deadline or event")
		}
	}
	cputime.Report(b, since, b.N)
}

// benchNoDates holds a keyword ("due") and digits in one long paragraph.
var benchNoDates = strings.Repeat("Thank you for your message of 3 items; we will come back to you in due course, room 23.\n", 50)

func BenchmarkTextNoDates(b *testing.B) {
	x := New(zurich)
	b.SetBytes(int64(len(benchNoDates)))
	since := cputime.Process()
	for b.Loop() {
		x.Text(benchNoDates, received)
	}
	cputime.Report(b, since, b.N)
}

func BenchmarkCalendar(b *testing.B) {
	cal := vcal(append(strings.Split(outlookTZ, "\n"), event("DTSTART;TZID=Bureau Custom Time:20270302T100000")...)...)
	since := cputime.Process()
	for b.Loop() {
		if f := Calendar(cal, zurich); f.Event == nil {
			b.Fatal("no event")
		}
	}
	cputime.Report(b, since, b.N)
}
