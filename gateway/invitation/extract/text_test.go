package extract

import (
	"testing"
	"time"
)

var zurich, _ = time.LoadLocation("Europe/Zurich")

// received is the Date of the test messages: yearless dates are read after it.
var received = time.Date(2026, 12, 1, 10, 0, 0, 0, zurich)

func TestTextPhrasings(t *testing.T) {
	t.Parallel()
	x := New(zurich)
	tests := []struct {
		name, text      string
		deadline, event string // 2006-01-02, "" for none
	}{
		// English deadlines.
		{"en deadline for inputs", "The deadline for inputs: 15 January 2027.", "2027-01-15", ""},
		{"en no later than yearless", "Please send your comments no later than 3 March.", "2027-03-03", ""},
		{"en not later than weekday", "Contributions should reach us not later than Friday, 12 February 2027.", "2027-02-12", ""},
		{"en deadline is month first", "The deadline is January 20th, 2027, 23:59 CET.", "2027-01-20", ""},
		{"en rsvp by", "Kindly RSVP by 8 January.", "2027-01-08", ""},
		{"en register by", "Participants must register by 22 Jan 2027 on Indico.", "2027-01-22", ""},
		{"en respond by", "We would be grateful if you could respond by 14 December 2026.", "2026-12-14", ""},
		{"en submit before", "Please submit your statement before 10 February.", "2027-02-10", ""},
		{"en due by", "Written inputs are due by 31 January 2027.", "2027-01-31", ""},
		{"en welcome until", "Written inputs are welcome until 5 December.", "2026-12-05", ""},
		{"en closing date", "Closing date for applications: 5 February 2027", "2027-02-05", ""},
		{"en registration closes", "Online registration closes on 18 January 2027 at noon.", "2027-01-18", ""},
		{"en ambiguous numeric dropped", "Deadline: 03/04/2027", "", ""},
		{"en numeric day first settled", "Deadline: 13/04/2027", "2027-04-13", ""},
		{"en numeric month first settled", "Deadline: 04/13/2027", "2027-04-13", ""},
		{"en iso", "Deadline for nominations: 2027-01-15.", "2027-01-15", ""},
		{"en earliest of two", "Deadline for registration: 20 January 2027. Deadline for written inputs: 10 January 2027.", "2027-01-10", ""},
		{"en no day", "The deadline is in January 2027.", "", ""},
		{"en may I remind you", "May I remind you that we need your views soon. Thank you for the 55th session.", "", ""},
		{"en deadline with time first", "Deadline: 10.30 on 5 May 2027", "2027-05-05", ""},
		// English events.
		{"en to be held in Geneva", "The consultation is to be held in Geneva on May 2, 2027.", "", "2027-05-02"},
		{"en will take place", "The meeting will take place on 9 March 2027 in Room XX, Palais des Nations.", "", "2027-03-09"},
		{"en scheduled for", "The webinar is scheduled for Thursday 4 February 2027 from 14:00 to 17:00.", "", "2027-02-04"},
		{"en will be held yearless", "The 3rd session will be held on 18 February at UN Headquarters.", "", "2027-02-18"},
		{"en deadline and event", "The forum will be held on 2 March 2027 in Geneva. Deadline for registration: 15 February 2027.", "2027-02-15", "2027-03-02"},
		{"en takes place", "The dialogue takes place 27-28 April 2027 in Vienna.", "", "2027-04-27"},
		// French.
		{"fr date limite", "Date limite : 12 février", "2027-02-12", ""},
		{"fr avant le", "Merci de confirmer votre participation avant le 5 mai.", "2027-05-05", ""},
		{"fr au plus tard le", "Les contributions sont attendues au plus tard le 20 janvier 2027.", "2027-01-20", ""},
		{"fr jusqu'au", "Les inscriptions sont ouvertes jusqu'au 15 janvier 2027 inclus.", "2027-01-15", ""},
		{"fr délai", "Délai de réponse : vendredi 8 janvier 2027.", "2027-01-08", ""},
		{"fr date butoir", "La date butoir est fixée au 1er février 2027.", "2027-02-01", ""},
		{"fr numeric day first", "Date limite : 03/04/2027", "2027-04-03", ""},
		{"fr se tiendra", "La réunion se tiendra le 2 mai à Genève.", "", "2027-05-02"},
		{"fr aura lieu", "L'atelier aura lieu le jeudi 11 mars 2027 de 10h à 13h.", "", "2027-03-11"},
		{"fr se déroulera", "La consultation se déroulera le 24 février 2027 au Palais des Nations.", "", "2027-02-24"},
		{"fr both", "La session se tiendra le 16 mars 2027. Merci de vous inscrire avant le 1er mars 2027.", "2027-03-01", "2027-03-16"},
		{"fr month only", "La réunion aura lieu en mars.", "", ""},
		// Spanish.
		{"es fecha límite", "Fecha límite: 20 de marzo", "2027-03-20", ""},
		{"es fecha límite year", "La fecha límite para el envío de contribuciones es el 15 de enero de 2027.", "2027-01-15", ""},
		{"es a más tardar", "Enviar sus comentarios a más tardar el 8 de febrero de 2027.", "2027-02-08", ""},
		{"es antes del", "Por favor confirmar su participación antes del 12 de enero.", "2027-01-12", ""},
		{"es plazo", "El plazo vence el 30 de enero de 2027.", "2027-01-30", ""},
		{"es numeric", "Fecha límite: 05/02/2027", "2027-02-05", ""},
		{"es se celebrará", "La reunión se celebrará el 4 de mayo de 2027 en Ginebra.", "", "2027-05-04"},
		{"es tendrá lugar", "El taller tendrá lugar el martes 9 de marzo en Nueva York.", "", "2027-03-09"},
		{"es se llevará a cabo", "La consulta se llevará a cabo el 22 de abril de 2027.", "", "2027-04-22"},
		// Yearless, around the turn of the year and before the message.
		{"yearless past is late", "Deadline: 20 November.", "2026-11-20", ""},
		{"yearless long past is next year", "Deadline: 15 July.", "2027-07-15", ""},
		// Quoted and forwarded header blocks.
		{"quoted skipped", "Thanks!\n\n> Deadline: 15 January 2027\n", "", ""},
		{"attribution skipped", "On Mon, 30 Nov 2026, Ana wrote:\n> deadline 3 March\nOk.", "", ""},
		{"forwarded header skipped body kept",
			"FYI\n\n---------- Forwarded message ---------\nFrom: ITU <events@itu.int>\nDate: Mon, 30 Nov 2026 at 09:12\nSubject: Invitation\nTo: bureau@example.org\n\nThe meeting will be held on 9 March 2027.\nDeadline for registration: 1 March 2027.",
			"2027-03-01", "2027-03-09"},
		{"outlook header skipped",
			"See below.\n\nFrom: UNESCO <x@unesco.org>\nSent: 30 November 2026 09:00\nTo: Bureau\nSubject: Deadline 2 December\n\nReply by 4 January 2027.",
			"2027-01-04", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := x.Text(tc.text, received)
			if got := show(f.Deadline); got != tc.deadline {
				t.Errorf("deadline = %s, want %q", got, tc.deadline)
			}
			if got := show(f.Event); got != tc.event {
				t.Errorf("event = %s, want %q", got, tc.event)
			}
		})
	}
}

// show prints a date for comparison, with its phrase when the test fails.
func show(d *Date) string {
	if d == nil {
		return ""
	}
	if d.Time.Location() != zurich {
		return "wrong zone " + d.Time.String()
	}
	return d.Time.Format("2006-01-02")
}

func TestTextPhraseAndSource(t *testing.T) {
	t.Parallel()
	f := New(zurich).Text("The deadline for inputs: 15 January 2027.", received)
	if f.Deadline == nil {
		t.Fatal("no deadline")
	}
	if f.Deadline.Source != SourceText || f.Deadline.Lang != "en" {
		t.Errorf("source %q lang %q", f.Deadline.Source, f.Deadline.Lang)
	}
	if want := "deadline 15 January 2027"; f.Deadline.Phrase != want {
		t.Errorf("phrase %q, want %q", f.Deadline.Phrase, want)
	}
	if f.Deadline.Source.Firm() {
		t.Error("a text deadline is firm")
	}
}
