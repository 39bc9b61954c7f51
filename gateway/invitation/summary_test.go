package invitation

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

func TestSummaryListsWhatNeedsTheBureau(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 1, 4, 8, 0, 0, 0, zurich)
	day := func(d int) *time.Time { t := time.Date(2027, 1, d, 0, 0, 0, 0, zurich); return &t }
	notice := 5
	views := []View{
		{ID: 1, Subject: "Late <b>forum</b>", State: Open, Deadline: day(20), DeadlineSource: "admin", NoticeDays: &notice, ShortNotice: true,
			Caucuses: []CaucusView{{ID: "gender", Answers: 1}, {ID: "education", Delivered: true, Reminded: []string{"7d"}}}},
		{ID: 2, Subject: "Early", State: Open, Deadline: day(10), DeadlineSource: "text",
			Caucuses: []CaucusView{{ID: "climate", Failed: true}}},
		{ID: 3, Subject: "Closed one", State: Closed, Caucuses: []CaucusView{{ID: "climate", Failed: true}}},
	}
	s := NewSummary(views, now)
	if len(s.Open) != 2 || s.Open[0].ID != 2 || len(s.NoAnswer) != 2 || len(s.ShortNotice) != 1 || len(s.Failed) != 1 {
		t.Fatalf("summary %+v", s)
	}
	var b bytes.Buffer
	if err := WriteSummary(&b, s, SummaryMail{From: "bureau@example.org", To: "alice@example.org", MessageID: "<s@x>"}, now); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	text, html, subject := alternatives(t, b.Bytes())
	if !strings.Contains(out, "multipart/alternative") || subject != "Invitations: 2 open, 2 waiting for answers, 1 with failed deliveries, 4 Jan 2027" {
		t.Errorf("subject %q:\n%s", subject, out)
	}
	for _, want := range []string{"Late <b>forum</b>", "education: no answer (reminded 7d)", "Short notice", "5 days of notice", "Failed deliveries"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{"Late &lt;b&gt;forum&lt;/b&gt;", "education: no answer (reminded 7d)", "<h2", "Early: climate"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(out, "Closed one") {
		t.Errorf("a closed invitation is in the summary")
	}
}

func alternatives(t *testing.T, data []byte) (text, html, subject string) {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ = r.Header.Subject()
	for {
		p, err := r.NextPart()
		if err != nil {
			break
		}
		b, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		if ct, _, _ := p.Header.(*mail.InlineHeader).ContentType(); ct == "text/html" {
			html = string(b)
		} else {
			text = string(b)
		}
	}
	return text, html, subject
}
