package extract

import (
	"strings"
	"testing"
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
	x.Text(longInvitation, received) // locale data loads once, on first use
	b.SetBytes(int64(len(longInvitation)))
	b.ResetTimer()
	for b.Loop() {
		if f := x.Text(longInvitation, received); f.Deadline == nil {
			b.Fatal("no deadline")
		}
	}
}

func BenchmarkTextNoDates(b *testing.B) {
	x := New(zurich)
	text := strings.Repeat("Thank you for your message of 3 items; we will come back to you in due course, room 23.\n", 50)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		x.Text(text, received)
	}
}

func BenchmarkCalendar(b *testing.B) {
	cal := vcal(append(strings.Split(outlookTZ, "\n"), event("DTSTART;TZID=Bureau Custom Time:20270302T100000")...)...)
	for b.Loop() {
		if f := Calendar(cal, zurich); f.Event == nil {
			b.Fatal("no event")
		}
	}
}
