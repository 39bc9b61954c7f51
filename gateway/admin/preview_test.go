package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"caucusgate/internal/msgtext"
	"caucusgate/queue"
)

// heldRaw is the original of held message 2: HTML only, with a script and
// an attachment, so that the preview must be text extracted from HTML.
var heldRaw = "From: Mallory <m@evil.example>\r\nTo: bureau@example.org\r\nSubject: offer\r\n" +
	"Date: Thu, 26 Nov 2026 11:50:00 +0000\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
	"<p>Register <b>before</b> 3 December.</p><script>alert(1)</script>\r\n" +
	"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"agenda.pdf\"\r\n\r\n" +
	strings.Repeat("x", 2048) + "\r\n--b--\r\n"

// withPreviews gives the sample's held message 2 and held reply 31 their
// originals and previews, as the gateway's backend reads them.
func withPreviews(b *memBackend) {
	p := NewPreview(msgtext.Extract([]byte(heldRaw), nil))
	b.held[1].Preview = p
	b.held[1].Caucuses = []string{"education"}
	b.originals = map[string][]byte{"held/2": []byte(heldRaw), "reply/31": []byte("Subject: Re: x\r\n\r\nWe will attend.\r\n")}
	b.replies[0].Preview = NewPreview(msgtext.Extract(b.originals["reply/31"], nil))
}

func TestHeldPreview(t *testing.T) {
	h := newHarness(t)
	withPreviews(h.backend)
	tests := []struct {
		path   string
		want   []string
		absent []string
	}{
		{"/", []string{`href="/held/2"`, "Register before 3 December.", "agenda.pdf", "2.0 KiB", "education",
			`href="/held/2/message.eml"`, `href="/replies/31"`, "We will attend."}, []string{"<b>before</b>", "<script>alert(1)"}},
		{"/held/2", []string{`id="held-message-2"`, "<dt>From</dt>", "Mallory &lt;m@evil.example&gt;", "<dt>Date</dt>",
			"Register before 3 December.", "agenda.pdf", "application/pdf", "2.0 KiB", "to education",
			`href="/held/2/message.eml"`, `id="approve-2"`, `id="reject-2"`, "extracted from HTML"}, []string{"<b>before</b>", "alert(1)", "<script"}},
		{"/replies/31", []string{`id="held-reply-31"`, "We will attend.", `href="/replies/31/message.eml"`, `id="release-31"`, `id="drop-31"`}, nil},
	}
	for _, tt := range tests {
		r := h.get(tt.path)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", tt.path, r.status, r.body)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("GET %s lacks %q", tt.path, w)
			}
		}
		for _, a := range tt.absent {
			if strings.Contains(r.body, a) {
				t.Errorf("GET %s shows %q", tt.path, a)
			}
		}
	}
	if r := h.get("/held/99"); r.status != 404 {
		t.Errorf("GET /held/99: %d, want 404", r.status)
	}
}

func TestOriginalDownload(t *testing.T) {
	h := newHarness(t)
	withPreviews(h.backend)
	for path, want := range map[string]string{"/held/2/message.eml": heldRaw, "/replies/31/message.eml": "Subject: Re: x\r\n\r\nWe will attend.\r\n"} {
		r := h.get(path)
		if r.status != 200 || r.body != want {
			t.Errorf("GET %s: %d, body %q", path, r.status, r.body)
		}
		if ct := r.header.Get("Content-Type"); ct != "message/rfc822" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".eml") {
			t.Errorf("GET %s: Content-Disposition %q", path, cd)
		}
	}
	if r := h.do("GET", "/held/2/message.eml", nil, false); r.status != 401 {
		t.Errorf("download without login: %d", r.status)
	}
	if r := h.get("/held/1/message.eml"); r.status != 404 {
		t.Errorf("download of a purged original: %d, want 404", r.status)
	}
}

func TestDecisionDeliveries(t *testing.T) {
	h := newHarness(t)
	d := &h.backend.decisions[0]
	sent := testNow.Add(-40 * time.Minute)
	d.Deliveries = []Delivery{
		{ID: 20, Caucus: "gender", Recipients: []string{"caucus-gender@example.org"}, State: queue.StateSent, Attempts: 1, SentAt: sent},
		{ID: 21, Caucus: "education", Recipients: []string{"ana@example.org"}, State: queue.StateFailed, Attempts: 3, LastError: "550 5.1.1 no such user"},
	}
	d.SentNotices = []Delivery{{ID: 22, Recipients: []string{"notify@example.org"}, State: queue.StateSent, Attempts: 1, SentAt: sent}}
	body := h.get("/decisions/7").body
	for _, w := range []string{`id="deliveries"`, `<tr id="delivery-20">`, "caucus-gender@example.org", "ana@example.org",
		`<span class="state failed">failed</span>`, "<td>3</td>", "550 5.1.1 no such user", "2026-11-26 11:20 UTC",
		`id="notices"`, `<tr id="delivery-22">`, "notify@example.org"} {
		if !strings.Contains(body, w) {
			t.Errorf("decision page lacks %q", w)
		}
	}
}

// TestTagLineOnce: the tag's Why already names where it routes (rules
// write "...: routes to gender; unknown: x"); the line says it once.
func TestTagLineOnce(t *testing.T) {
	h := newHarness(t)
	tag := h.backend.decisions[0].Trace.Tag
	tag.Unknown = []string{"hr"}
	tag.Why = "alice@example.org is a bureau member: routes to gender; unknown: hr"
	body := h.get("/decisions/7").body
	for _, once := range []string{"gender", "unknown: hr"} {
		line := body[strings.Index(body, "tag <q>[caucus: gender]</q>")+len("tag <q>[caucus: gender]</q>"):]
		line = line[:strings.Index(line, "</li>")]
		if n := strings.Count(line, once); n != 1 {
			t.Errorf("tag line says %q %d times: %s", once, n, line)
		}
	}
}

// TestDisplayZone: every time of a page is in the configured zone, named.
func TestDisplayZone(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) { c.Location = zurich })
	h.backend.schedules[0].Next = testNow.In(time.UTC).Add(5 * time.Hour)
	body := h.get("/schedules").body
	if !strings.Contains(body, "2026-11-26 18:00 CET") || strings.Contains(body, "UTC") {
		t.Errorf("schedules page not all in CET:\n%s", body)
	}
	if !strings.Contains(body, "Times in Europe/Zurich") {
		t.Error("schedules page does not name its zone")
	}
}

// TestScheduleNeverRun: a schedule with no run recorded says so.
func TestScheduleNeverRun(t *testing.T) {
	h := newHarness(t)
	h.backend.schedules[0].LastRun = time.Time{}
	if body := h.get("/schedules").body; !strings.Contains(body, "never") {
		t.Errorf("a schedule that never ran shows no \"never\":\n%s", body)
	}
}

// TestPhoneColumns: at phone width the decisions table keeps the subject
// and the decision; the columns it may drop are marked so, and the sheet
// drops only those.
func TestPhoneColumns(t *testing.T) {
	h := newHarness(t)
	body := h.get("/decisions").body
	for _, keep := range []string{`<th class="subject">Subject</th>`, `<th>Decision</th>`} {
		if !strings.Contains(body, keep) {
			t.Errorf("decisions table lacks %s", keep)
		}
	}
	css := h.get("/static/style.css").body
	if !strings.Contains(css, ".wide { display: none") {
		t.Error("the style sheet hides no wide column at phone width")
	}
}

// TestMembersPage: the members page shows each address's state, score,
// last bounce and caucuses, and re-enables a disabled one; the held page
// names the member whose bounces disabled it.
func TestMembersPage(t *testing.T) {
	h := newHarness(t)
	h.backend.members = []Member{
		{Address: "ana@example.net", Caucuses: []string{"education", "climate"}, Disabled: true, Score: 5, LastBounce: testNow.Add(-time.Hour)},
		{Address: "bo@example.net", Caucuses: []string{"education"}},
	}
	body := h.get("/members").body
	for _, w := range []string{"ana@example.net", `<span class="state failed">disabled</span>`, "5.0", "education, climate",
		"2026-11-26 11:00 UTC", `id="enable-ana@example.net"`, "bo@example.net", "never"} {
		if !strings.Contains(body, w) {
			t.Errorf("members page lacks %q", w)
		}
	}
	if strings.Contains(body, `id="enable-bo@example.net"`) {
		t.Error("an enabled address offers Re-enable")
	}
	front := h.get("/").body
	if !strings.Contains(front, `id="bounced"`) || !strings.Contains(front, "<b>ana@example.net</b>") {
		t.Error("the held page does not name the member who bounced")
	}
	form := url.Values{"csrf": {h.token("/members")}, "address": {"ana@example.net"}}
	if r := h.do("POST", "/members/enable", form, true); r.status != http.StatusSeeOther {
		t.Fatalf("enable: %d %s", r.status, r.body)
	}
	if len(h.backend.enabled) != 1 || h.backend.enabled[0] != "ana@example.net admin admin" {
		t.Errorf("enabled %v", h.backend.enabled)
	}
	if r := h.do("POST", "/members/enable", url.Values{"address": {"ana@example.net"}}, true); r.status != http.StatusForbidden {
		t.Errorf("enable without a CSRF token: %d, want 403", r.status)
	}
}
