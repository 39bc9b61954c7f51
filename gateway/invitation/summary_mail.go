package invitation

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"io"
	"mime"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/emersion/go-message/mail"
)

//go:embed templates/summary.txt templates/summary.html
var summaryTemplates embed.FS

// summaryFuncs format the summary's dates and lists; the templates' data is
// in the display zone already.
var summaryFuncs = map[string]any{
	"date": func(t time.Time) string { return t.Format("Monday 2 January 2006") },
	"day": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.Format("2 Jan 2006")
		case *time.Time:
			if v != nil {
				return v.Format("2 Jan 2006")
			}
		}
		return "none"
	},
	"deadline": func(v View) string {
		if v.Deadline == nil {
			return "none found"
		}
		return v.Deadline.Format("2 Jan 2006") + " (" + v.DeadlineSource + ")"
	},
	"notice": func(v View) string {
		if v.NoticeDays == nil {
			return "no date"
		}
		if v.Late {
			return "arrived after its deadline"
		}
		return fmt.Sprintf("%d days of notice", *v.NoticeDays)
	},
	"join": func(s []string) string { return strings.Join(s, ", ") },
}

// The templates are parsed once; they are part of the binary, so a parse
// failure is a build defect, caught by the tests.
var (
	summaryText = texttemplate.Must(texttemplate.New("summary.txt").Funcs(summaryFuncs).ParseFS(summaryTemplates, "templates/summary.txt"))
	summaryHTML = htmltemplate.Must(htmltemplate.New("summary.html").Funcs(summaryFuncs).ParseFS(summaryTemplates, "templates/summary.html"))
)

// SummaryMail addresses a summary.
type SummaryMail struct {
	From, To  string
	MessageID string
}

// SummaryMessageID is the fixed Message-ID of one slot's summary: a
// repeat after a crash is the same message.
func SummaryMessageID(schedule string, slot time.Time, account string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "summary %s %d", schedule, slot.Unix()))
	domain := "localhost"
	if at := strings.LastIndexByte(account, '@'); at >= 0 {
		domain = strings.ToLower(account[at+1:])
	}
	return "<summary-" + hex.EncodeToString(sum[:10]) + "@caucusgate." + domain + ">"
}

// WriteSummary composes the summary: multipart/alternative (RFC 2046
// 5.1.4), plain text first, then HTML.
func WriteSummary(w io.Writer, s Summary, m SummaryMail, date time.Time) error {
	var text, html bytes.Buffer
	if err := summaryText.Execute(&text, s); err != nil {
		return fmt.Errorf("compose summary text: %w", err)
	}
	if err := summaryHTML.Execute(&html, s); err != nil {
		return fmt.Errorf("compose summary html: %w", err)
	}
	to, err := mail.ParseAddressList(m.To)
	if err != nil {
		return fmt.Errorf("compose summary: To %q: %w", m.To, err)
	}
	var h mail.Header
	h.SetAddressList("From", []*mail.Address{{Name: "caucusgate", Address: m.From}})
	h.SetAddressList("To", to)
	h.SetDate(date)
	h.SetMessageID(strings.Trim(m.MessageID, "<>"))
	h.Set("Subject", mime.QEncoding.Encode("utf-8", "Invitations: "+summaryTitle(s)))
	h.Set("Auto-Submitted", "auto-generated")
	h.Set("X-Loop", m.From)
	h.Set("X-Auto-Response-Suppress", "OOF, AutoReply")
	mw, err := mail.CreateInlineWriter(w, h)
	if err != nil {
		return fmt.Errorf("compose summary: %w", err)
	}
	for _, p := range []struct {
		ctype string
		body  []byte
	}{{"text/plain", crlf(text.Bytes())}, {"text/html", crlf(html.Bytes())}} {
		if err := writeAlternative(mw, p.ctype, p.body); err != nil {
			return fmt.Errorf("compose summary: %w", err)
		}
	}
	return mw.Close()
}

func writeAlternative(mw *mail.InlineWriter, ctype string, body []byte) error {
	var ph mail.InlineHeader
	ph.Set("Content-Type", ctype+"; charset=utf-8")
	ph.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := mw.CreatePart(ph)
	if err != nil {
		return err
	}
	if _, err := pw.Write(body); err != nil {
		return err
	}
	return pw.Close()
}

// summaryTitle says in a few words what the summary holds.
func summaryTitle(s Summary) string {
	parts := []string{fmt.Sprintf("%d open", len(s.Open))}
	if n := len(s.NoAnswer); n > 0 {
		parts = append(parts, fmt.Sprintf("%d waiting for answers", n))
	}
	if n := len(s.Failed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d with failed deliveries", n))
	}
	return strings.Join(parts, ", ") + ", " + s.Date.Format("2 Jan 2006")
}

func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}
