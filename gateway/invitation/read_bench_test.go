package invitation

import (
	"strings"
	"testing"
	"time"
)

// typicalInvitation is a 4.5 kB invitation as intake sees it: a letter in
// a multipart/alternative (plain text and HTML), the dates in the text.
func typicalInvitation() []byte {
	letter := strings.Repeat("The Office is pleased to share the programme of work of the session, "+
		"with the list of speakers and the practical arrangements for participants.\r\n", 12) +
		"\r\nThe consultation will be held in Geneva on 2 March 2027.\r\n" +
		"Deadline for written inputs: 15 January 2027.\r\n\r\nKind regards,\r\nThe Secretariat\r\n"
	html := "<html><body><p>" + strings.ReplaceAll(letter, "\r\n", "<br>\r\n") + "</p></body></html>\r\n"
	return []byte("From: ITU Events <events@itu.int>\r\nTo: bureau@example.org\r\nSubject: Invitation: consultation\r\n" +
		"Date: Tue, 1 Dec 2026 09:00:00 +0100\r\nMessage-ID: <inv@itu.int>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=alt\r\n\r\n" +
		"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + letter +
		"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "--alt--\r\n")
}

// BenchmarkRead reads one typical invitation, MIME walk and date search.
func BenchmarkRead(b *testing.B) {
	raw := typicalInvitation()
	r := NewReader(&Options{Zone: zurich})
	received := time.Date(2026, 12, 1, 9, 5, 0, 0, zurich)
	m := Message{Raw: raw, Subject: "Invitation: consultation", Received: received}
	r.Read(m) // locale data loads once, on first use
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if inv, _ := r.Read(m); inv.Deadline.At.IsZero() {
			b.Fatal("no deadline")
		}
	}
}
