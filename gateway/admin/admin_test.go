package admin

import (
	"bytes"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"caucusgate/gateway/metrics"
	"caucusgate/queue"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	testUser = "admin"
	testPass = "correct horse battery staple"
)

var testKey = bytes.Repeat([]byte{0x5a}, 32)

// harness is the admin handler on a real loopback HTTP server.
type harness struct {
	t       *testing.T
	backend *memBackend
	srv     *httptest.Server
	client  *http.Client
	now     time.Time
}

func newHarness(t *testing.T, mod ...func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, backend: sampleBackend(), now: testNow}
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.Delivery(metrics.Sent)
	cfg := Config{
		Backend: h.backend, Username: testUser, Password: testPass,
		Metrics: metrics.Handler(reg), CSRFKey: testKey,
		Now: func() time.Time { return h.now }, Location: time.UTC,
	}
	for _, f := range mod {
		f(&cfg)
	}
	handler, err := NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(handler)
	t.Cleanup(h.srv.Close)
	// The client does not follow redirects: tests check the 303 itself.
	h.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return h
}

type response struct {
	status int
	header http.Header
	body   string
}

func (h *harness) do(method, path string, form url.Values, login bool, hdr ...string) response {
	h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, h.srv.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if login {
		req.SetBasicAuth(testUser, testPass)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (h *harness) get(path string) response { return h.do("GET", path, nil, true) }

var tokenRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token reads the CSRF token from a page, as a browser's form would send.
func (h *harness) token(path string) string {
	h.t.Helper()
	m := tokenRE.FindStringSubmatch(h.get(path).body)
	if m == nil {
		h.t.Fatalf("no csrf token on %s", path)
	}
	return m[1]
}

func TestOpenEndpoints(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", 200, "ok\n"},
		{"/readyz", 200, "ok\n"},
		{"/metrics", 200, `caucusgate_deliveries_total{result="sent"} 1`},
	}
	for _, tt := range tests {
		r := h.do("GET", tt.path, nil, false)
		if r.status != tt.status || !strings.Contains(r.body, tt.body) {
			t.Errorf("GET %s without login: %d %q, want %d containing %q", tt.path, r.status, r.body, tt.status, tt.body)
		}
		if r.header.Get("WWW-Authenticate") != "" {
			t.Errorf("GET %s asks for a login", tt.path)
		}
	}
}

func TestReadyzNotReady(t *testing.T) {
	h := newHarness(t)
	h.backend.ready = errStoreDown
	r := h.do("GET", "/readyz", nil, false)
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", r.status)
	}
	if want := "not ready: " + errStoreDown.Error() + "\n"; r.body != want {
		t.Errorf("body %q, want %q", r.body, want)
	}
	if h := h.do("GET", "/healthz", nil, false); h.status != 200 {
		t.Errorf("/healthz %d while not ready: liveness must not follow readiness", h.status)
	}
}

func TestMetricsAbsent(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Metrics = nil })
	if r := h.do("GET", "/metrics", nil, false); r.status != http.StatusNotFound {
		t.Errorf("/metrics without a handler: %d, want 404", r.status)
	}
}

func TestLoginRequired(t *testing.T) {
	// Dozens of wrong logins from one address: the rate limit (tested in
	// TestLoginRateLimit) is raised out of the way.
	h := newHarness(t, func(c *Config) { c.MaxLoginFailures = 1000 })
	paths := []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/decisions"}, {"GET", "/decisions/7"}, {"GET", "/queue"},
		{"GET", "/schedules"}, {"GET", "/caucuses"}, {"GET", "/rules"}, {"GET", "/static/style.css"},
		{"GET", "/no-such-page"}, {"POST", "/held/1/approve"}, {"POST", "/queue/10/cancel"},
		{"POST", "/replies/31/release"}, {"POST", "/replies/32/drop"},
	}
	logins := []struct {
		name       string
		user, pass string
	}{
		{"none", "", ""},
		{"wrong password", testUser, "wrong"},
		{"wrong user", "root", testPass},
		{"password prefix", testUser, testPass[:5]},
	}
	for _, p := range paths {
		for _, l := range logins {
			req, err := http.NewRequest(p.method, h.srv.URL+p.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if l.name != "none" {
				req.SetBasicAuth(l.user, l.pass)
			}
			resp, err := h.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s, login %s: %d, want 401", p.method, p.path, l.name, resp.StatusCode)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != `Basic realm="caucusgate"` {
				t.Errorf("%s %s: WWW-Authenticate %q", p.method, p.path, got)
			}
		}
	}
	if b := h.backend; len(b.approved)+len(b.cancelled)+len(b.released)+len(b.dropped) != 0 {
		t.Error("an action ran without the login")
	}
}

func TestPagesWithLogin(t *testing.T) {
	h := newHarness(t)
	for _, page := range []string{"held", "decisions", "decision", "queue", "schedules", "caucuses", "rules"} {
		t.Run(page, func(t *testing.T) {
			path := map[string]string{"held": "/", "decision": "/decisions/7"}[page]
			if path == "" {
				path = "/" + page
			}
			r := h.get(path)
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", path, r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			checkGolden(t, page+".html", r.body)
		})
	}
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("page differs from %s (go test -update to accept):\n%s", path, got)
	}
}

// TestPageContent names what each page must show, apart from the golden
// files, so that accepting a golden file cannot silently drop it.
func TestPageContent(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		path string
		want []string
	}{
		{"/", []string{`<meta name="viewport"`, "Invitation: WSIS&#43;20 consultation", `id="approve-1"`, `id="reject-1"`,
			`id="approve-form-2"`, `id="reason-2"`, `action="/held/1/approve"`, `method="post"`, "3h00m ago", `<div class="scroll">`,
			`<h2 id="replies">Replies held for review</h2>`, `<tr id="reply-31">`, `id="release-31"`, `id="drop-31"`,
			`id="release-form-32"`, `id="drop-form-32"`, `action="/replies/31/release"`, `action="/replies/32/drop"`,
			"Re: Invitation: WSIS&#43;20 consultation", "<td>events@itu.int</td>", "<td>gender</td>", "2h00m ago",
			"<code>CRON_TZ=Europe/Zurich 0 17 * * *</code>"}},
		{"/decisions", []string{"Fwd: Consultation on AI", "forward", "education, gender", "itu-invitations", "<details><summary>why</summary>"}},
		{"/decisions/7", []string{"tag <q>[caucus: gender]</q>", "alice@example.org is a bureau member", "rule <b>itu-invitations</b>: matched: forward education",
			"rule <b>outsiders</b>: no match", `matched &#34;Consultation&#34;`}},
		{"/queue", []string{`id="retry-10"`, `id="cancel-10"`, `id="retry-11"`, "451 4.3.0 try later", "in 7m", "ana@example.org, bo@example.org"}},
		{"/schedules", []string{"CRON_TZ=Europe/Zurich 0 17 * * *", "in 5h00m", "<td>3</td>"}},
		{"/caucuses", []string{"caucus-gender@example.org", "<td>1</td>\n<td>4</td>\n<td>2</td>", "2 members",
			`id="list-warning-gender"`, "Answers will not find their way: the list munges Reply-To", "not seen on the list: Done"}},
		{"/rules", []string{"9c41e0", `rules.yaml:12:5: unknown key &#34;fowrard&#34;`, "the last edit was refused"}},
	}
	for _, tt := range tests {
		body := h.get(tt.path).body
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", tt.path, w)
			}
		}
	}
	front := h.get("/").body
	if i, j := strings.Index(front, `id="held"`), strings.Index(front, `id="held-replies"`); i < 0 || j < i {
		t.Error("the held replies are not below the held messages")
	}
	// The daemon and browser tests find held messages by these row ids: a
	// reply's row must not pass for one.
	var rows []string
	for _, m := range regexp.MustCompile(`<tr id="held-(\d+)">`).FindAllStringSubmatch(front, -1) {
		rows = append(rows, m[1])
	}
	if !slices.Equal(rows, []string{"1", "2"}) {
		t.Errorf("held-message rows %v, want [1 2]", rows)
	}
	queue := h.get("/queue").body
	for _, absent := range []string{`id="cancel-11"`, `id="retry-12"`, `id="cancel-12"`} {
		if strings.Contains(queue, absent) {
			t.Errorf("/queue offers %s, which that delivery's state does not allow", absent)
		}
	}
}

func TestEmptyPages(t *testing.T) {
	h := newHarness(t)
	h.backend.held, h.backend.replies, h.backend.decisions, h.backend.deliveries = nil, nil, nil, nil
	h.backend.schedules, h.backend.caucuses, h.backend.rules = nil, nil, RulesStatus{File: "rules.yaml", Version: "1"}
	for path, want := range map[string]string{
		"/": `id="no-held"`, "/decisions": `id="no-decisions"`, "/queue": `id="no-deliveries"`,
		"/schedules": `id="no-schedules"`, "/caucuses": `id="no-caucuses"`, "/rules": `<span class="state sent">ok</span>`,
	} {
		if r := h.get(path); r.status != 200 || !strings.Contains(r.body, want) {
			t.Errorf("GET %s: %d, lacks %q", path, r.status, want)
		}
	}
	if body := h.get("/").body; !strings.Contains(body, `<p id="no-held-replies">No reply is held for review.</p>`) ||
		strings.Contains(body, `id="held-replies"`) {
		t.Error("with no held reply, / does not say so")
	}
}

// TestFrontPageHalves: each half of the front page shows whether or not
// the other has anything.
func TestFrontPageHalves(t *testing.T) {
	tests := []struct {
		name        string
		noHeld      bool
		noReplies   bool
		want, avoid []string
	}{
		{"replies only", true, false, []string{`id="no-held"`, `id="release-31"`}, []string{`id="approve-1"`, `id="no-held-replies"`}},
		{"held only", false, true, []string{`id="approve-1"`, `id="no-held-replies"`}, []string{`id="no-held"`, `id="release-31"`}},
	}
	for _, tt := range tests {
		h := newHarness(t)
		if tt.noHeld {
			h.backend.held = nil
		}
		if tt.noReplies {
			h.backend.replies = nil
		}
		body := h.get("/").body
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: / lacks %s", tt.name, w)
			}
		}
		for _, a := range tt.avoid {
			if strings.Contains(body, a) {
				t.Errorf("%s: / shows %s", tt.name, a)
			}
		}
	}
}

func TestSubjectIsEscaped(t *testing.T) {
	h := newHarness(t)
	body := h.get("/").body
	if strings.Contains(body, "<script") || strings.Contains(body, "<b>bold") {
		t.Error("the held subject's markup reached the page as markup")
	}
	if want := `&lt;script&gt;alert(&#34;held&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;`; !strings.Contains(body, want) {
		t.Errorf("the held subject is not shown as text: want %q", want)
	}
	if !strings.Contains(body, "Mallory &lt;m@evil.example&gt;") {
		t.Error("the From is not shown as text")
	}
	if strings.Contains(body, "<img") || strings.Contains(body, `onerror="`) {
		t.Error("the held reply's subject reached the page as markup")
	}
	for _, want := range []string{`&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Re: &amp; more`, "Eve &lt;eve@evil.example&gt;", "<td>Ops &lt;ops@unesco.org&gt;</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("a held reply's field is not shown as text: want %q", want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TLS = true })
	responses := map[string]response{
		"healthz":   h.do("GET", "/healthz", nil, false),
		"401":       h.do("GET", "/", nil, false),
		"page":      h.get("/"),
		"404 page":  h.get("/decisions/999"),
		"405":       h.get("/held/1/approve"),
		"405 reply": h.get("/replies/31/release"),
		"403 form":  h.do("POST", "/held/1/approve", url.Values{}, true),
		"metrics":   h.do("GET", "/metrics", nil, false),
		"not found": h.get("/nope"),
	}
	for name, r := range responses {
		csp := r.header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'self'", "script-src 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline content", name)
		}
		for k, v := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
			"Cache-Control": "no-store", "Strict-Transport-Security": "max-age=31536000",
		} {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %s %q, want %q", name, k, got, v)
			}
		}
	}
	plain := newHarness(t).get("/")
	if plain.header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP")
	}
}

func TestInsecureBanner(t *testing.T) {
	tests := []struct {
		tls, insecure, banner bool
	}{
		{false, false, false}, {false, true, true}, {true, true, false},
	}
	for _, tt := range tests {
		h := newHarness(t, func(c *Config) { c.TLS, c.Insecure = tt.tls, tt.insecure })
		if got := strings.Contains(h.get("/").body, `id="insecure"`); got != tt.banner {
			t.Errorf("tls %v insecure %v: banner %v, want %v", tt.tls, tt.insecure, got, tt.banner)
		}
	}
}

func TestApprove(t *testing.T) {
	h := newHarness(t)
	tok := h.token("/")
	r := h.do("POST", "/held/1/approve", url.Values{"csrf": {tok}}, true)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/?done=approved&id=1" {
		t.Fatalf("approve: %d Location %q, want 303 to /?done=approved&id=1; body %s", r.status, r.header.Get("Location"), r.body)
	}
	if !slices.Equal(h.backend.approved, []string{"1 admin"}) {
		t.Errorf("backend approvals %q, want [1 admin]", h.backend.approved)
	}
	page := h.get(r.header.Get("Location")).body
	if !strings.Contains(page, `<p class="flash" role="status" id="flash">Held message 1 approved.</p>`) {
		t.Error("the page after approving does not say so")
	}
	if strings.Contains(page, `id="approve-1"`) {
		t.Error("the approved message is still listed")
	}
	again := h.do("POST", "/held/1/approve", url.Values{"csrf": {tok}}, true)
	if again.status != http.StatusConflict || !strings.Contains(again.body, queue.ErrWrongState.Error()) {
		t.Errorf("approving twice: %d, want 409 with the reason:\n%s", again.status, again.body)
	}
}

func TestReject(t *testing.T) {
	h := newHarness(t)
	form := url.Values{"csrf": {h.token("/")}, "reason": {"  off topic\r\nBcc: victim@example.org  "}}
	r := h.do("POST", "/held/2/reject", form, true)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/?done=rejected&id=2" {
		t.Fatalf("reject: %d %q", r.status, r.header.Get("Location"))
	}
	if want := []string{"2 admin off topic Bcc: victim@example.org"}; !slices.Equal(h.backend.rejected, want) {
		t.Errorf("backend rejections %q, want %q", h.backend.rejected, want)
	}
}

func TestReplyActions(t *testing.T) {
	h := newHarness(t)
	tok := h.token("/")
	tests := []struct {
		path     string
		status   int
		location string
	}{
		{"/replies/31/release", 303, "/?done=released&id=31"},
		{"/replies/31/release", 409, ""}, // released already
		{"/replies/31/drop", 409, ""},
		{"/replies/32/drop", 303, "/?done=dropped&id=32"},
		{"/replies/32/drop", 409, ""},
		{"/replies/32/release", 409, ""}, // dropped: no second thoughts here
		{"/replies/99/release", 404, ""},
		{"/replies/99/drop", 404, ""},
		{"/replies/abc/release", 404, ""},
		{"/replies/-1/drop", 404, ""},
		{"/replies/0/release", 404, ""},
	}
	for _, tt := range tests {
		r := h.do("POST", tt.path, url.Values{"csrf": {tok}}, true)
		if r.status != tt.status || r.header.Get("Location") != tt.location {
			t.Errorf("POST %s: %d %q, want %d %q", tt.path, r.status, r.header.Get("Location"), tt.status, tt.location)
		}
		if tt.status == http.StatusConflict && !strings.Contains(r.body, queue.ErrWrongState.Error()) {
			t.Errorf("POST %s: the 409 page does not say why:\n%s", tt.path, r.body)
		}
	}
	if b := h.backend; !slices.Equal(b.released, []string{"31 admin"}) || !slices.Equal(b.dropped, []string{"32 admin"}) {
		t.Errorf("released %q dropped %q, want [31 admin] [32 admin]", b.released, b.dropped)
	}
	if len(h.backend.approved)+len(h.backend.rejected) != 0 {
		t.Error("a reply action touched a held message")
	}
	for done, want := range map[string]string{
		"released&id=31": "Held reply 31 released: it goes out at its schedule&#39;s next slot.",
		"dropped&id=32":  "Held reply 32 dropped: it will not be relayed.",
	} {
		page := h.get("/?done=" + done).body
		if !strings.Contains(page, `<p class="flash" role="status" id="flash">`+want+`</p>`) {
			t.Errorf("the page after %s does not say %q", done, want)
		}
		if strings.Contains(page, `id="release-31"`) || strings.Contains(page, `id="drop-32"`) {
			t.Error("a reviewed reply is still listed")
		}
		if !strings.Contains(page, `id="no-held-replies"`) {
			t.Error("with every reply reviewed, / does not say none is left")
		}
	}
}

func TestQueueActions(t *testing.T) {
	h := newHarness(t)
	tok := h.token("/queue")
	tests := []struct {
		path     string
		status   int
		location string
	}{
		{"/queue/11/retry", 303, "/queue?done=retried&id=11"},
		{"/queue/10/cancel", 303, "/queue?done=cancelled&id=10"},
		{"/queue/10/cancel", 409, ""}, // already cancelled
		{"/queue/12/retry", 409, ""},  // sent
		{"/queue/99/retry", 404, ""},
		{"/queue/abc/retry", 404, ""},
		{"/queue/-1/cancel", 404, ""},
	}
	for _, tt := range tests {
		r := h.do("POST", tt.path, url.Values{"csrf": {tok}}, true)
		if r.status != tt.status || r.header.Get("Location") != tt.location {
			t.Errorf("POST %s: %d %q, want %d %q", tt.path, r.status, r.header.Get("Location"), tt.status, tt.location)
		}
	}
	if !slices.Equal(h.backend.retried, []int64{11}) || !slices.Equal(h.backend.cancelled, []int64{10}) {
		t.Errorf("retried %v cancelled %v, want [11] [10]", h.backend.retried, h.backend.cancelled)
	}
	if body := h.get("/queue?done=retried&id=11").body; !strings.Contains(body, "Delivery 11 will be retried now.") {
		t.Error("the queue page does not confirm the retry")
	}
}

func TestCSRF(t *testing.T) {
	h := newHarness(t)
	good := h.token("/")
	otherKey := csrf{key: bytes.Repeat([]byte{1}, 32), now: func() time.Time { return testNow }}.token(testUser)
	otherUser := csrf{key: testKey, now: func() time.Time { return testNow }}.token("mallory")
	old := csrf{key: testKey, now: func() time.Time { return testNow.Add(-2 * time.Hour) }}.token(testUser)
	window, mac, _ := strings.Cut(good, ".")
	tests := []struct {
		name string
		form url.Values
		hdr  []string
	}{
		{"no token", url.Values{}, nil},
		{"empty token", url.Values{"csrf": {""}}, nil},
		{"garbage", url.Values{"csrf": {"not-a-token"}}, nil},
		{"other key", url.Values{"csrf": {otherKey}}, nil},
		{"other user", url.Values{"csrf": {otherUser}}, nil},
		{"expired", url.Values{"csrf": {old}}, nil},
		{"future window", url.Values{"csrf": {"99999999." + mac}}, nil},
		{"mac of another window", url.Values{"csrf": {window + "1." + mac}}, nil},
		{"token in the query only", nil, nil},
		{"cross-site browser post", url.Values{"csrf": {good}}, []string{"Sec-Fetch-Site", "cross-site"}},
		{"foreign origin", url.Values{"csrf": {good}}, []string{"Origin", "https://evil.example"}},
	}
	for _, action := range []string{"/held/1/approve", "/replies/31/release", "/replies/32/drop"} {
		for _, tt := range tests {
			path, form := action, tt.form
			if form == nil {
				path += "?csrf=" + url.QueryEscape(good)
				form = url.Values{}
			}
			r := h.do("POST", path, form, true, tt.hdr...)
			if r.status != http.StatusForbidden {
				t.Errorf("%s %s: %d, want 403", action, tt.name, r.status)
			}
		}
	}
	if b := h.backend; len(b.approved)+len(b.released)+len(b.dropped) != 0 {
		t.Fatalf("a refused form acted: approved %v released %v dropped %v", b.approved, b.released, b.dropped)
	}
	// A token from the previous window is still good: a form opened just
	// before the hour turned must work just after.
	h.now = testNow.Add(time.Hour)
	if r := h.do("POST", "/held/1/approve", url.Values{"csrf": {good}}, true, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusSeeOther {
		t.Errorf("token from the previous window: %d, want 303", r.status)
	}
}

func TestStateChangingGETRefused(t *testing.T) {
	h := newHarness(t)
	tok := url.QueryEscape(h.token("/"))
	for _, path := range []string{"/held/1/approve", "/held/1/reject", "/queue/10/retry", "/queue/10/cancel",
		"/replies/31/release", "/replies/31/drop"} {
		for _, method := range []string{"GET", "HEAD", "PUT", "DELETE"} {
			r := h.do(method, path+"?csrf="+tok, nil, true)
			if r.status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 405", method, path, r.status)
			}
			if allow := r.header.Get("Allow"); allow != "POST" {
				t.Errorf("%s %s: Allow %q, want POST", method, path, allow)
			}
		}
	}
	b := h.backend
	if len(b.approved)+len(b.rejected)+len(b.retried)+len(b.cancelled)+len(b.released)+len(b.dropped) != 0 {
		t.Error("a non-POST request changed state")
	}
}

func TestBackendFailure(t *testing.T) {
	h := newHarness(t)
	h.backend.failAll = errStoreDown
	for _, path := range []string{"/", "/decisions", "/queue", "/schedules", "/caucuses"} {
		r := h.get(path)
		if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "database is locked") {
			t.Errorf("GET %s with the store down: %d, want 500 saying why", path, r.status)
		}
	}
	for _, path := range []string{"/held/1/approve", "/replies/31/release", "/replies/31/drop"} {
		r := h.do("POST", path, url.Values{"csrf": {h.tokenFor()}}, true)
		if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "database is locked") {
			t.Errorf("POST %s with the store down: %d, want 500 saying why", path, r.status)
		}
	}
	if r := h.get("/decisions/999"); r.status != http.StatusNotFound {
		t.Errorf("unknown decision: %d, want 404", r.status)
	}
}

// TestHeldRepliesFailure: when only the held replies cannot be read, the
// front page says so rather than claiming none is held.
func TestHeldRepliesFailure(t *testing.T) {
	h := newHarness(t)
	h.backend.failReplies = errStoreDown
	r := h.get("/")
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "list held replies") ||
		!strings.Contains(r.body, "database is locked") {
		t.Errorf("GET / with the held replies unreadable: %d, want 500 saying why:\n%s", r.status, r.body)
	}
	if strings.Contains(r.body, `id="no-held-replies"`) {
		t.Error("an unreadable list is shown as empty")
	}
}

// tokenFor makes a token directly, for when no page can be rendered.
func (h *harness) tokenFor() string {
	return csrf{key: testKey, now: func() time.Time { return h.now }}.token(testUser)
}

func TestLimit(t *testing.T) {
	h := newHarness(t)
	for _, q := range []string{"", "?limit=5", "?limit=100000", "?limit=-3", "?limit=x"} {
		h.get("/decisions" + q)
		h.get("/queue" + q)
	}
	want := []int{100, 100, 5, 5, 1000, 1000, 100, 100, 100, 100}
	if !slices.Equal(h.backend.limits, want) {
		t.Errorf("limits asked of the backend %v, want %v", h.backend.limits, want)
	}
}

func TestFlashIsNotEchoed(t *testing.T) {
	h := newHarness(t)
	body := h.get("/?done=%3Cb%3Epwned&id=1").body
	if strings.Contains(body, `id="flash"`) {
		t.Error("an unknown done= code produced a message")
	}
}

func TestStaticCSS(t *testing.T) {
	h := newHarness(t)
	r := h.get("/static/style.css")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") || !strings.Contains(r.body, ".scroll") {
		t.Errorf("style.css: %d %q", r.status, r.header.Get("Content-Type"))
	}
	for _, path := range []string{"/static/", "/static/../templates/layout.html", "/static/layout.html"} {
		r := h.get(path)
		for hops := 0; r.status/100 == 3 && hops < 3; hops++ {
			r = h.get(r.header.Get("Location")) // the mux cleans paths with a redirect
		}
		if r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.status)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	b := sampleBackend()
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"complete", Config{Backend: b, Username: "a", Password: "b", CSRFKey: testKey}, true},
		{"random key", Config{Backend: b, Username: "a", Password: "b"}, true},
		{"no backend", Config{Username: "a", Password: "b"}, false},
		{"no username", Config{Backend: b, Password: "b"}, false},
		{"no password", Config{Backend: b, Username: "a"}, false},
		{"short key", Config{Backend: b, Username: "a", Password: "b", CSRFKey: []byte("short")}, false},
	}
	for _, tt := range tests {
		_, err := NewHandler(tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
