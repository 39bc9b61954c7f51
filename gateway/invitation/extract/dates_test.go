package extract

import (
	"testing"
	"time"
)

// dateWindows are windows as after() cuts them behind an anchor, with the
// date readDate finds and its phrase. was is what go-dateparser, the reader
// before it, found where that differs ("none": nothing), each on purpose: a
// range gives its first day (it gave the last, or nothing for "March 2-4"),
// French "sept." is September (it read July: sept is seven), Spanish "1º"
// is the first, a month followed by its year takes no day after the year
// ("may 2027 3"), and a yearless 29 February is no date (it gave 1 March).
var dateWindows = []struct {
	lang, window, want, phrase, was string
}{
	{"en", "15 January 2027", "2027-01-15", "15 January 2027", ""},
	{"en", "January 15, 2027", "2027-01-15", "January 15, 2027", ""},
	{"en", "January 15th", "2027-01-15", "January 15th", ""},
	{"en", "the 15th of January 2027", "2027-01-15", "15th of January 2027", ""},
	{"en", "Monday, 15 January", "2027-01-15", "15 January", ""},
	{"en", "3 March", "2027-03-03", "3 March", ""},
	{"fr", "12 février", "2027-02-12", "12 février", ""},
	{"fr", "le 5 mai 2027", "2027-05-05", "5 mai 2027", ""},
	{"fr", "1er mars", "2027-03-01", "1er mars", ""},
	{"fr", "lundi 2 mai", "2027-05-02", "2 mai", ""},
	{"es", "20 de marzo", "2027-03-20", "20 de marzo", ""},
	{"es", "el 20 de marzo de 2027", "2027-03-20", "20 de marzo de 2027", ""},
	{"es", "2 de mayo del 2027", "2027-05-02", "2 de mayo del 2027", ""},
	{"en", "Jan. 15, 2027", "2027-01-15", "Jan. 15, 2027", ""},
	{"fr", "15 janv. 2027", "2027-01-15", "15 janv. 2027", ""},
	{"fr", "3 févr. 2027", "2027-02-03", "3 févr. 2027", ""},
	{"en", "5 Sept. 2027", "2027-09-05", "5 Sept. 2027", ""},
	{"es", "5 dic. 2027", "2027-12-05", "5 dic. 2027", ""},
	{"fr", "12 fevrier", "2027-02-12", "12 fevrier", ""},
	{"fr", "15 aout 2027", "2027-08-15", "15 aout 2027", ""},
	{"fr", "3 decembre", "2026-12-03", "3 decembre", ""},
	{"en", "15 January 2027 at 18:00 CET", "2027-01-15", "15 January 2027", ""},
	{"fr", "le 5 mai à 14h", "2027-05-05", "5 mai", ""},
	{"en", "2-4 March 2027", "2027-03-02", "2-4 March 2027", ""},
	{"fr", "du 2 au 4 mars", "2027-03-02", "2 au 4 mars", "2027-03-04"},
	{"fr", "2 au 4 mars 2027", "2027-03-02", "2 au 4 mars 2027", "2027-03-04"},
	{"en", "is 27-28 April 2027 in Vienna.", "2027-04-27", "27-28 April 2027", ""},
	{"en", "you that we need your views soon. Thank you for the 55th session.", "", "", ""},
	{"en", "for inputs: 15 January 2027.", "2027-01-15", "15 January 2027", ""},
	{"en", "is January 20th, 2027, 23:59 CET.", "2027-01-20", "January 20th, 2027", ""},
	{"en", "Friday, 12 February 2027.", "2027-02-12", "12 February 2027", ""},
	{"en", "on May 2, 2027.", "2027-05-02", "May 2, 2027", ""},
	{"en", "Thursday 4 February 2027 from 14:00 to 17:00.", "2027-02-04", "4 February 2027", ""},
	{"fr", ": 12 février", "2027-02-12", "12 février", ""},
	{"fr", "est fixée au 1er février 2027.", "2027-02-01", "1er février 2027", ""},
	{"fr", "le jeudi 11 mars 2027 de 10h à 13h.", "2027-03-11", "11 mars 2027", ""},
	{"es", "es el 15 de enero de 2027.", "2027-01-15", "15 de enero de 2027", ""},
	{"es", "el martes 9 de marzo en Nueva York.", "2027-03-09", "9 de marzo", ""},
	{"en", "is in January 2027.", "", "", ""},
	{"fr", "en mars.", "", "", ""},
	{"en", "on 10.30 on 5 May 2027", "2027-05-05", "5 May 2027", ""},
	{"en", "may 5", "2027-05-05", "may 5", ""},
	{"en", "May 5th 2027", "2027-05-05", "May 5th 2027", ""},
	{"en", "5th May", "2027-05-05", "5th May", ""},
	{"en", "March 3rd", "2027-03-03", "March 3rd", ""},
	{"en", "31 February 2027", "", "", ""},
	{"en", "Room 23, 3 items", "", "", ""},
	{"en", "15 Jan", "2027-01-15", "15 Jan", ""},
	{"en", "15 JANUARY 2027", "2027-01-15", "15 JANUARY 2027", ""},
	{"fr", "1ER MARS", "2027-03-01", "1ER MARS", ""},
	{"es", "1º de marzo", "2027-03-01", "1º de marzo", "none"},
	{"es", "1° de marzo", "2027-03-01", "1° de marzo", ""},
	{"es", "setiembre 5", "2026-09-05", "setiembre 5", ""},
	{"en", "15 January 27", "2027-01-15", "15 January", ""},
	{"en", "January 2027, 15", "", "", "2027-01-15"},
	{"en", "15, January", "2027-01-15", "15, January", ""},
	{"en", "15/January/2027", "", "", ""},
	{"en", "15-Jan-2027", "", "", ""},
	{"en", "Mon 15 Jan 2027", "2027-01-15", "15 Jan 2027", ""},
	{"en", "the 3rd of March", "2027-03-03", "3rd of March", ""},
	{"en", "1st and 2nd March 2027", "2027-03-01", "1st and 2nd March 2027", ""},
	{"en", "on 2 March 2055", "", "", ""},
	{"en", "on 2 March 2030", "2030-03-02", "2 March 2030", ""},
	{"en", "on 2 March 2031", "2031-03-02", "2 March 2031", ""},
	{"en", "on 2 March 2024", "2024-03-02", "2 March 2024", ""},
	{"en", "in 2027, on 2 March", "2027-03-02", "2 March", ""},
	{"fr", "mardi 2 février 2027 à 10h", "2027-02-02", "2 février 2027", ""},
	{"fr", "le 2 fév 2027", "", "", ""},
	{"es", "el 2 de feb. de 2027", "2027-02-02", "2 de feb. de 2027", ""},
	{"es", "2 ene 2027", "2027-01-02", "2 ene 2027", ""},
	{"es", "el lunes, 2 de agosto", "2027-08-02", "2 de agosto", ""},
	{"en", "December 1", "2026-12-01", "December 1", ""},
	{"en", "December 31", "2026-12-31", "December 31", ""},
	{"en", "the end of March 15", "2027-03-15", "March 15", ""},
	{"en", "Wednesday, 3 March, 2027", "2027-03-03", "3 March, 2027", ""},
	{"en", "March, 3 2027", "2027-03-03", "March, 3 2027", ""},
	{"en", "3. March 2027", "2027-03-03", "3. March 2027", ""},
	{"fr", "3 mars.", "2027-03-03", "3 mars", ""},
	{"en", "January 15 at 6 pm", "2027-01-15", "January 15", ""},
	{"fr", "jeudi 1 avril", "2027-04-01", "1 avril", ""},
	{"es", "30 de abril", "2027-04-30", "30 de abril", ""},
	{"en", "12 noon, 3 March", "2027-03-03", "3 March", ""},
	{"en", "18h 3 March", "2027-03-03", "3 March", ""},
	{"en", "2027 March 3", "2027-03-03", "March 3", ""},
	{"en", "3 march 2027 10:00", "2027-03-03", "3 march 2027", ""},
	{"fr", "15 juil. 2027", "2027-07-15", "15 juil. 2027", ""},
	{"fr", "15 juillet 2027", "2027-07-15", "15 juillet 2027", ""},
	{"es", "15 de julio de 2027", "2027-07-15", "15 de julio de 2027", ""},
	{"es", "15 de setiembre", "2026-09-15", "15 de setiembre", ""},
	{"en", "5 sept 2027", "2027-09-05", "5 sept 2027", ""},
	{"fr", "5 sept. 2027", "2027-09-05", "5 sept. 2027", "2027-07-05"},
	{"fr", "5 oct. 2027", "2027-10-05", "5 oct. 2027", ""},
	{"es", "2 y 3 de marzo", "2027-03-02", "2 y 3 de marzo", "2027-03-03"},
	{"en", "March 2-4, 2027", "2027-03-02", "March 2-4, 2027", "none"},
	{"en", "2 to 4 March 2027", "2027-03-02", "2 to 4 March 2027", "2027-03-04"},
	{"en", "30 March to 2 April 2027", "2027-03-30", "30 March", ""},
	{"en", "29 February", "", "", "2027-03-01"},
	{"en", "29 February 2028", "2028-02-29", "29 February 2028", ""},
	{"en", "15th January", "2027-01-15", "15th January", ""},
	{"fr", "le 1er et 2 mars", "2027-03-01", "1er et 2 mars", "2027-03-02"},
	{"fr", "du 2 au 4 mars 2027", "2027-03-02", "2 au 4 mars 2027", "2027-03-04"},
	{"es", "del 2 al 4 de marzo de 2027", "2027-03-02", "2 al 4 de marzo de 2027", "2027-03-04"},
	{"es", "15 de enero, 2027", "2027-01-15", "15 de enero, 2027", ""},
	{"en", "Tuesday, 2 February 2027 at 10:00 (Geneva time)", "2027-02-02", "2 February 2027", ""},
	{"en", "jan 15", "2027-01-15", "jan 15", ""},
	{"fr", "15 déc. 2026", "2026-12-15", "15 déc. 2026", ""},
	{"fr", "15 dec 2026", "2026-12-15", "15 dec 2026", ""},
	{"fr", "le 5 mai, à 14h", "2027-05-05", "5 mai", ""},
	{"en", "(15 January 2027)", "2027-01-15", "15 January 2027", ""},
	{"en", "3 - 4 March", "2027-03-03", "3 - 4 March", ""},
	{"en", "4 March", "2027-03-04", "4 March", ""},
	{"es", "1 de julio", "2027-07-01", "1 de julio", ""},
	{"fr", "31 avril", "", "", ""},
	{"en", "Room 3 on 10 items and 4 people 5 March", "2027-03-05", "5 March", ""},
	{"en", "1 2 3 4 5 6 7 8 March", "", "", ""},
	{"en", "15th", "", "", ""},
	{"en", "15 january 2019", "", "", ""},
	{"en", "15 january 1999", "", "", ""},
	{"en", "March 15 2055 or 16 March", "2027-03-16", "16 March", ""},
	{"es", "el 9 de marzo en", "2027-03-09", "9 de marzo", ""},
	{"fr", "le 15 janvier 2027 à 18h00 (heure de Genève)", "2027-01-15", "15 janvier 2027", ""},
	{"en", "12:00, 3 March", "2027-03-03", "3 March", ""},
	{"en", "on 3rd March, 2027.", "2027-03-03", "3rd March, 2027", ""},
	{"en", "may 2027 3", "", "", "2027-05-03"},
	{"en", "11 may", "2027-05-11", "11 may", ""},
	{"en", "sat 3 june", "2027-06-03", "3 june", ""},
	{"en", "3 June and 5 July", "2027-06-03", "3 June", ""},
	{"en", "3 Jun", "2027-06-03", "3 Jun", ""},
}

func TestReadDate(t *testing.T) {
	t.Parallel()
	for _, tc := range dateWindows {
		d, phrase, ok := readDate(tc.lang, tc.window, received)
		got := ""
		if ok {
			got = d.Format(time.DateOnly)
			if d.Location() != zurich {
				t.Errorf("%s %q: zone %v", tc.lang, tc.window, d.Location())
			}
		}
		if got != tc.want || phrase != tc.phrase {
			t.Errorf("%s %q = %q %q, want %q %q", tc.lang, tc.window, got, phrase, tc.want, tc.phrase)
		}
	}
}

func FuzzReadDate(f *testing.F) {
	for _, w := range dateWindows {
		f.Add(w.lang, w.window)
	}
	f.Fuzz(func(t *testing.T, lang, w string) {
		d, phrase, ok := readDate(lang, w, received)
		if ok && (phrase == "" || !plausible(d, received) || d.Hour() != 0) {
			t.Fatalf("%s %q: %v %q", lang, w, d, phrase)
		}
	})
}
