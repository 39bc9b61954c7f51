package admin

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// invitationRows are the ids of the list's rows, in order.
func invitationRows(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<tr id="invitation-(\d+)">`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// rowOf is the list's row of invitation id.
func rowOf(t *testing.T, body, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr id="invitation-` + id + `">(.*?)</tr>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row for invitation %s", id)
	}
	return m[1]
}

func TestInvitationsPages(t *testing.T) {
	h := newHarness(t)
	for path, golden := range map[string]string{"/invitations": "invitations.html", "/invitations/41": "invitation.html"} {
		r := h.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		checkGolden(t, golden, r.body)
	}
}

// TestInvitationsList: open ones first by deadline, then the others,
// newest first; each row with its deadline and source, its notice, one
// mark per caucus and the reminders sent; the subject escaped.
func TestInvitationsList(t *testing.T) {
	h := newHarness(t)
	body := h.get("/invitations").body
	if got, want := invitationRows(body), []string{"41", "42", "44", "43"}; !slices.Equal(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	tests := map[string][]string{
		"41": {"2026-11-24 09:30 UTC", "events@itu.int", `<a href="/invitations/41">WSIS&#43;20 &lt;review&gt; &amp; &#34;consultation&#34;</a>`,
			"2026-12-04 <small>(text, unconfirmed)</small>", "10 days", `<span class="flag">short notice</span>`,
			`education: <span class="state failed">no answer</span> <small>reminded 7d</small>`, `gender: <span class="state sent">answered</span>`,
			`id="confirm-41"`, `action="/invitations/41/confirm"`, `<span class="state open">open</span>`},
		"42": {"2027-01-15 <small>(admin)</small>", "56 days", `education: <span class="state failed">failed</span>`,
			`gender: <span class="state pending">sent</span>`, "Ops &lt;ops@unesco.org&gt;"},
		"43": {"<td class=\"deadline\">none</td>", "<td>–</td>", `<span class="state closed">closed</span>`},
		"44": {"120 days", `<span class="state answered">answered</span>`},
	}
	for id, wants := range tests {
		row := rowOf(t, body, id)
		for _, w := range wants {
			if !strings.Contains(row, w) {
				t.Errorf("row %s lacks %q:\n%s", id, w, row)
			}
		}
	}
	for _, id := range []string{"42", "43", "44"} {
		if strings.Contains(rowOf(t, body, id), "confirm") {
			t.Errorf("row %s offers to confirm a deadline that is firm or absent", id)
		}
	}
	for _, w := range []string{`<a href="/invitations" aria-current="page">Invitations</a>`, `<th scope="col">Deadline</th>`,
		`<label for="filter-open">`, `<legend>Show only invitations</legend>`, `4 of 4 invitations`} {
		if !strings.Contains(body, w) {
			t.Errorf("the list lacks %q", w)
		}
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "<review>") {
		t.Error("markup from a subject reached the page unescaped")
	}
}

func TestInvitationsFilters(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		query   string
		rows    []string
		checked []string
	}{
		{"", []string{"41", "42", "44", "43"}, nil},
		{"?open=1", []string{"41", "42"}, []string{"filter-open"}},
		{"?short=1", []string{"41"}, []string{"filter-short"}},
		{"?noanswer=1", []string{"41", "42", "43"}, []string{"filter-noanswer"}},
		{"?open=1&short=1&noanswer=1", []string{"41"}, []string{"filter-open", "filter-short", "filter-noanswer"}},
		{"?open=&short=", []string{"41", "42", "44", "43"}, nil},
	}
	for _, tt := range tests {
		body := h.get("/invitations" + tt.query).body
		if got := invitationRows(body); !slices.Equal(got, tt.rows) {
			t.Errorf("%q: rows %v, want %v", tt.query, got, tt.rows)
		}
		for _, f := range []string{"filter-open", "filter-short", "filter-noanswer"} {
			on := strings.Contains(body, `id="`+f+`" checked`)
			if on != slices.Contains(tt.checked, f) {
				t.Errorf("%q: %s checked %v", tt.query, f, on)
			}
		}
		if all := strings.Contains(body, `id="filter-none"`); all != (tt.checked != nil) {
			t.Errorf("%q: show-all link %v", tt.query, all)
		}
	}
	h.backend.memInvitations.invs = h.backend.memInvitations.invs[2:3] // the closed one alone
	if body := h.get("/invitations?open=1").body; !strings.Contains(body, "No invitation matches these filters.") {
		t.Error("a filter that keeps nothing does not say so")
	}
	h.backend.memInvitations.invs = nil
	if body := h.get("/invitations").body; !strings.Contains(body, `<p id="no-invitations">No invitation yet`) {
		t.Error("no invitation at all is not said")
	}
}

// TestInvitationDetail: the page shows the dates with their sources and
// phrases, each caucus, the timeline, and the forms the state allows.
func TestInvitationDetail(t *testing.T) {
	h := newHarness(t)
	body := h.get("/invitations/41").body
	for _, w := range []string{`<dd id="invitation-state"><span class="state open">open</span></dd>`,
		"2026-12-04 <small>(text, unconfirmed)</small>", "from <q>Deadline for inputs: 4 December</q>",
		"no reminder goes out for it until it is confirmed", `id="close-41"`, `id="confirm-41"`,
		`<label for="deadline-41">Deadline <small>(a day in UTC)</small></label>`,
		`<input type="date" name="deadline" id="deadline-41" value="2026-12-04">`, `id="remove-deadline-41"`,
		`<a href="/decisions/41">`, `<tr id="caucus-education">`, "<td>7d</td>",
		"<td>received</td>", "<td>decided</td>", "forward: rule itu-invitations", "<td>forwarded</td>", "<td>delivered</td>",
		"<td>answered</td>", "gina@gender.example.net", "<td>relayed</td>", "<td>reminder sent</td>"} {
		if !strings.Contains(body, w) {
			t.Errorf("/invitations/41 lacks %q", w)
		}
	}
	for _, absent := range []string{`id="reopen-41"`, `aria-invalid`} {
		if strings.Contains(body, absent) {
			t.Errorf("/invitations/41 has %q", absent)
		}
	}
	closed := h.get("/invitations/43").body
	for _, w := range []string{`id="reopen-43"`, `<input type="date" name="deadline" id="deadline-43" value="">`} {
		if !strings.Contains(closed, w) {
			t.Errorf("/invitations/43 lacks %q", w)
		}
	}
	for _, absent := range []string{`id="close-43"`, `id="confirm-43"`, `id="remove-deadline-43"`} {
		if strings.Contains(closed, absent) {
			t.Errorf("/invitations/43 offers %q", absent)
		}
	}
	if event := h.get("/invitations/44").body; !strings.Contains(event, "2027-03-02 14:00 UTC <small>(calendar)</small>") {
		t.Error("/invitations/44 does not show its calendar event with its time")
	}
	for _, path := range []string{"/invitations/999", "/invitations/x", "/invitations/0"} {
		if r := h.get(path); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
}

// post sends a form with a fresh token from the invitation's page.
func (h *harness) post(path string, form url.Values) response {
	h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", h.tokenFor())
	return h.do("POST", path, form, true)
}

func TestInvitationActions(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		path   string
		status int
		to     string // the redirect, for a 303
		flash  string
	}{
		{"/invitations/41/close", 303, "/invitations/41?done=closed&id=41", "Invitation 41 closed: no more reminders go out for it."},
		{"/invitations/41/close", 409, "", ""},
		{"/invitations/41/reopen", 303, "/invitations/41?done=reopened&id=41", "Invitation 41 reopened."},
		{"/invitations/41/reopen", 409, "", ""},
		{"/invitations/41/confirm", 303, "/invitations/41?done=confirmed&id=41", "The deadline of invitation 41 is confirmed: reminders go out for it."},
		{"/invitations/41/confirm", 409, "", ""},
		{"/invitations/42/confirm", 409, "", ""}, // an admin's deadline is firm
		{"/invitations/43/confirm", 409, "", ""}, // no deadline
		{"/invitations/999/close", 404, "", ""},
	}
	for _, tt := range tests {
		r := h.post(tt.path, nil)
		if r.status != tt.status {
			t.Errorf("POST %s: %d, want %d\n%s", tt.path, r.status, tt.status, r.body)
			continue
		}
		if tt.status != 303 {
			if !strings.Contains(r.body, `id="error"`) {
				t.Errorf("POST %s: %d without saying why", tt.path, r.status)
			}
			continue
		}
		if loc := r.header.Get("Location"); loc != tt.to {
			t.Errorf("POST %s: to %q, want %q", tt.path, loc, tt.to)
		}
		if page := h.get(tt.to).body; !strings.Contains(page, `<p class="flash" role="status" id="flash">`+tt.flash+`</p>`) {
			t.Errorf("after POST %s the page does not say %q", tt.path, tt.flash)
		}
	}
	want := []string{"close 41 admin", "reopen 41 admin", "confirm 41 admin"}
	if got := h.backend.memInvitations.acted; !slices.Equal(got, want) {
		t.Errorf("backend acted %v, want %v", got, want)
	}
	h.post("/invitations/41/close", nil)
	if body := h.get("/invitations/41").body; !strings.Contains(body, `<span class="state closed">closed</span>`) ||
		!strings.Contains(body, "2026-12-04 <small>(text, firm)</small>") {
		t.Error("the page does not show the invitation closed with its deadline confirmed")
	}
}

func TestInvitationDeadlineForm(t *testing.T) {
	tests := []struct {
		name, value string
		remove      bool
		status      int
		acted       string // what the backend was asked, "" for nothing
		why         string // the error shown beside the field
	}{
		{"a date", "2027-02-01", false, 303, "deadline 41 2027-02-01 admin", ""},
		{"spaces around", " 2027-02-01 ", false, 303, "deadline 41 2027-02-01 admin", ""},
		{"remove", "", true, 303, "deadline 41 none admin", ""},
		{"remove ignores the field", "garbage", true, 303, "deadline 41 none admin", ""},
		{"empty", "", false, 400, "", "no date given: enter the deadline as YYYY-MM-DD, or remove it"},
		{"month 13", "2027-13-01", false, 400, "", "&#34;2027-13-01&#34; is not a date"},
		{"30 February", "2027-02-30", false, 400, "", "&#34;2027-02-30&#34; is not a date"},
		{"day first", "01/02/2027", false, 400, "", "&#34;01/02/2027&#34; is not a date: enter the deadline as YYYY-MM-DD, e.g. 2027-01-15"},
		{"far year", "3027-01-15", false, 400, "", "3027-01-15 is more than 10 years from today: check the year"},
		{"markup", `<script>alert(1)</script>`, false, 400, "", "&#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34; is not a date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			form := url.Values{"deadline": {tt.value}}
			if tt.remove {
				form.Set("remove", "1")
			}
			r := h.post("/invitations/41/deadline", form)
			if r.status != tt.status {
				t.Fatalf("deadline %q: %d, want %d\n%s", tt.value, r.status, tt.status, r.body)
			}
			var acted []string
			if tt.acted != "" {
				acted = []string{tt.acted}
			}
			if got := h.backend.memInvitations.acted; !slices.Equal(got, acted) {
				t.Errorf("backend acted %v, want %v", got, acted)
			}
			if tt.status == 303 {
				return
			}
			for _, w := range []string{`<p class="warning" id="deadline-error">The deadline was not changed: ` + tt.why,
				`aria-invalid="true" aria-describedby="deadline-error"`, `<tr id="caucus-gender">`} {
				if !strings.Contains(r.body, w) {
					t.Errorf("the refusal lacks %q:\n%s", w, r.body)
				}
			}
			if strings.Contains(r.body, "<script>alert") {
				t.Error("the typed value is echoed unescaped")
			}
		})
	}
	h := newHarness(t)
	if r := h.post("/invitations/999/deadline", url.Values{"deadline": {"2027-02-01"}}); r.status != http.StatusNotFound {
		t.Errorf("deadline of no invitation: %d, want 404", r.status)
	}
	if r := h.post("/invitations/999/deadline", url.Values{"deadline": {"nonsense"}}); r.status != http.StatusNotFound {
		t.Errorf("bad deadline of no invitation: %d, want 404", r.status)
	}
	r := h.post("/invitations/41/deadline", url.Values{"deadline": {"2027-02-01"}})
	if loc := r.header.Get("Location"); loc != "/invitations/41?done=deadline&id=41" {
		t.Errorf("after setting the deadline: to %q", loc)
	}
	if body := h.get(r.header.Get("Location")).body; !strings.Contains(body, "2027-02-01 <small>(admin, firm)</small>") ||
		!strings.Contains(body, "The deadline of invitation 41 is set.") {
		t.Error("the page does not show the deadline set")
	}
	r = h.post("/invitations/41/deadline", url.Values{"remove": {"1"}})
	if loc := r.header.Get("Location"); loc != "/invitations/41?done=deadline-removed&id=41" {
		t.Errorf("after removing the deadline: to %q", loc)
	}
	if body := h.get(r.header.Get("Location")).body; !strings.Contains(body, `<dd id="invitation-deadline">none</dd>`) ||
		!strings.Contains(body, "The deadline of invitation 41 is removed.") || strings.Contains(body, `id="remove-deadline-41"`) {
		t.Error("the page does not show the deadline removed")
	}
}

// TestInvitationFormsRefused: the invitation forms need the login, a valid
// token from this origin, and a POST.
func TestInvitationFormsRefused(t *testing.T) {
	h := newHarness(t)
	good := h.tokenFor()
	otherUser := csrf{key: testKey, now: func() time.Time { return h.now }}.token("mallory")
	paths := []string{"/invitations/41/close", "/invitations/43/reopen", "/invitations/41/confirm", "/invitations/41/deadline"}
	for _, path := range paths {
		for _, tt := range []struct {
			name   string
			form   url.Values
			login  bool
			hdr    []string
			status int
		}{
			{"no login", url.Values{"csrf": {good}}, false, nil, 401},
			{"no token", url.Values{}, true, nil, 403},
			{"other user's token", url.Values{"csrf": {otherUser}}, true, nil, 403},
			{"cross-site", url.Values{"csrf": {good}}, true, []string{"Sec-Fetch-Site", "cross-site"}, 403},
		} {
			tt.form.Set("deadline", "2027-02-01")
			if r := h.do("POST", path, tt.form, tt.login, tt.hdr...); r.status != tt.status {
				t.Errorf("POST %s, %s: %d, want %d", path, tt.name, r.status, tt.status)
			}
		}
		for _, method := range []string{"GET", "HEAD", "PUT"} {
			if r := h.do(method, path+"?csrf="+url.QueryEscape(good), nil, true); r.status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 405", method, path, r.status)
			}
		}
	}
	for _, path := range []string{"/invitations", "/invitations/41"} {
		if r := h.do("GET", path, nil, false); r.status != http.StatusUnauthorized || strings.Contains(r.body, "WSIS") {
			t.Errorf("GET %s without login: %d", path, r.status)
		}
	}
	if got := h.backend.memInvitations.acted; len(got) != 0 {
		t.Errorf("a refused form acted: %v", got)
	}
}

func TestInvitationsBackendFailure(t *testing.T) {
	h := newHarness(t)
	h.backend.memInvitations.fail = errStoreDown
	for _, path := range []string{"/invitations", "/invitations/41"} {
		if r := h.get(path); r.status != http.StatusInternalServerError || !strings.Contains(r.body, "database is locked") {
			t.Errorf("GET %s with the store down: %d, want 500 saying why", path, r.status)
		}
	}
	if r := h.post("/invitations/41/close", nil); r.status != http.StatusInternalServerError {
		t.Errorf("close with the store down: %d, want 500", r.status)
	}
}
