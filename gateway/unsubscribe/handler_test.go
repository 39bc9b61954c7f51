package unsubscribe

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/token"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const oneClickBody = "List-Unsubscribe=One-Click"

// do serves one request on h and returns the recorded answer.
func do(h http.Handler, method, target, contentType string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func postOneClick(h http.Handler, target string) *httptest.ResponseRecorder {
	return do(h, http.MethodPost, target, "application/x-www-form-urlencoded", []byte(oneClickBody))
}

func TestOneClickIdempotent(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	cfg := testConfig(t, store)
	clock := now
	cfg.Now = func() time.Time { return clock }
	h := NewHandler(cfg)
	_, link := Links(cfg, "gender", "Ana@Example.org", "bureau@example.org")
	target := "/u/" + tokenOf(t, link)

	for i := range 2 {
		w := postOneClick(h, target)
		if w.Code != http.StatusOK {
			t.Fatalf("POST %d: status %d, body %q", i+1, w.Code, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("POST %d: Content-Type %q, want text/plain", i+1, ct)
		}
		if body := w.Body.String(); !strings.Contains(body, "Gender Caucus") || !strings.Contains(body, "Ana@Example.org") {
			t.Errorf("POST %d: body %q does not name the caucus and member", i+1, body)
		}
		clock = clock.Add(time.Hour)
	}
	want := map[string]time.Time{"gender/ana@example.org": now}
	if got := store.snapshot(); len(got) != 1 || !got["gender/ana@example.org"].Equal(now) {
		t.Errorf("store holds %v, want %v", got, want)
	}
	if store.calls != 2 {
		t.Errorf("store called %d times, want 2 (the store is what makes it idempotent)", store.calls)
	}
}

func multipartBody(t *testing.T, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

func TestOneClickBodies(t *testing.T) {
	t.Parallel()
	mpOK, mpOKBody := multipartBody(t, map[string]string{"List-Unsubscribe": "One-Click"})
	mpNo, mpNoBody := multipartBody(t, map[string]string{"other": "One-Click"})
	tests := []struct {
		name        string
		contentType string
		body        string
		want        int
	}{
		{"form", "application/x-www-form-urlencoded", oneClickBody, 200},
		{"form with charset", "application/x-www-form-urlencoded; charset=utf-8", oneClickBody, 200},
		{"no content type", "", oneClickBody, 200},
		{"trailing CRLF", "application/x-www-form-urlencoded", oneClickBody + "\r\n", 200},
		{"among other fields", "application/x-www-form-urlencoded", "a=b&" + oneClickBody, 200},
		{"multipart", mpOK, string(mpOKBody), 200},
		{"empty", "application/x-www-form-urlencoded", "", 400},
		{"other value", "application/x-www-form-urlencoded", "List-Unsubscribe=Two-Click", 400},
		{"key case", "application/x-www-form-urlencoded", "list-unsubscribe=one-click", 400},
		{"malformed escape", "application/x-www-form-urlencoded", oneClickBody + "&x=%zz", 400},
		{"multipart without field", mpNo, string(mpNoBody), 400},
		{"multipart without boundary", "multipart/form-data", oneClickBody, 400},
		{"too large", "application/x-www-form-urlencoded", oneClickBody + "&pad=" + strings.Repeat("x", maxBody), 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := newMemStore()
			cfg := testConfig(t, store)
			_, link := Links(cfg, "gender", "ana@example.org", "bureau@example.org")
			w := do(NewHandler(cfg), http.MethodPost, "/u/"+tokenOf(t, link), tt.contentType, []byte(tt.body))
			if w.Code != tt.want {
				t.Errorf("status %d (%q), want %d", w.Code, w.Body, tt.want)
			}
			if got, want := len(store.snapshot()), map[bool]int{true: 1}[tt.want == 200]; got != want {
				t.Errorf("store holds %d unsubscriptions, want %d", got, want)
			}
		})
	}
}

func TestFormPage(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	cfg := testConfig(t, store)
	h := NewHandler(cfg)
	_, link := Links(cfg, "education", "bo@example.org", "bureau@example.org")
	target := "/u/" + tokenOf(t, link)

	w := do(h, http.MethodGet, target, "", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET: status %d, body %q", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/html; charset=utf-8", ct)
	}
	golden(t, "form.html", w.Body.Bytes())
	if head := do(h, http.MethodHead, target, "", nil); head.Code != http.StatusOK {
		t.Errorf("HEAD: status %d, want 200", head.Code)
	}
	if store.calls != 0 {
		t.Errorf("GET and HEAD called the store %d times: a link scanner would unsubscribe people", store.calls)
	}
}

// TestFormPageUnknownCaucus: a caucus gone from the rules is named by its
// id, and its link still works.
func TestFormPageUnknownCaucus(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, newMemStore())
	cfg.CaucusName = nil
	_, link := Links(cfg, "old-caucus", "bo@example.org", "bureau@example.org")
	w := do(NewHandler(cfg), http.MethodGet, "/u/"+tokenOf(t, link), "", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<h1>Unsubscribe from old-caucus</h1>") {
		t.Errorf("status %d, body %q; want the page naming old-caucus", w.Code, w.Body)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (go test -update writes it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update to accept):\n%s", path, got)
	}
}

func TestInvalidTokens(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, newMemStore())
	good := sealed(cfg, token.Unsubscribe, "gender\x00ana@example.org", time.Time{})
	flipped := []byte(good)
	flipped[len(flipped)/2] ^= 'a' ^ 'b'
	other := testConfig(t, newMemStore())
	other.Keyring = mustKeyring(t, keyB)
	tests := []struct{ name, token string }{
		{"tampered", string(flipped)},
		{"truncated", good[:len(good)-1]},
		{"extended", good + "a"},
		{"expired", sealed(cfg, token.Unsubscribe, "gender\x00ana@example.org", now.Add(-24*time.Hour))},
		{"reply kind", sealed(cfg, token.Reply, "gender\x00ana@example.org", time.Time{})},
		{"moderation kind", sealed(cfg, token.Moderation, "gender\x00ana@example.org", time.Time{})},
		{"other keyring", sealed(other, token.Unsubscribe, "gender\x00ana@example.org", time.Time{})},
		{"no separator", sealed(cfg, token.Unsubscribe, "gender", time.Time{})},
		{"no member", sealed(cfg, token.Unsubscribe, "gender\x00", time.Time{})},
		{"not base32", "not-a-token-at-all-0189"},
		{"padded", good + "===="},
		{"escaped slash", url.PathEscape(good + "/x")},
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		store := newMemStore()
		cfg.Store = store
		h := NewHandler(cfg)
		want := do(h, method, "/u/x", "", nil).Body.String()
		for _, tt := range tests {
			w := do(h, method, "/u/"+tt.token, "application/x-www-form-urlencoded", []byte(oneClickBody))
			if w.Code != http.StatusNotFound {
				t.Errorf("%s %s: status %d, want 404", method, tt.name, w.Code)
			}
			if w.Body.String() != want {
				t.Errorf("%s %s: body %q differs from any bad token's %q: an oracle", method, tt.name, w.Body, want)
			}
		}
		if store.calls != 0 {
			t.Errorf("%s: store called %d times for bad tokens", method, store.calls)
		}
	}
}

// TestTokenCase: MTAs and people retype links; a token opens in upper case
// too, as package token promises.
func TestTokenCase(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	cfg := testConfig(t, store)
	_, link := Links(cfg, "gender", "ana@example.org", "bureau@example.org")
	w := postOneClick(NewHandler(cfg), "/u/"+strings.ToUpper(tokenOf(t, link)))
	if w.Code != http.StatusOK || len(store.snapshot()) != 1 {
		t.Errorf("upper-case token: status %d, %d unsubscriptions; want 200, 1", w.Code, len(store.snapshot()))
	}
}

// TestKeyRotation: links in old mail keep working after the key changes.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	cfg := testConfig(t, store)
	_, link := Links(cfg, "gender", "ana@example.org", "bureau@example.org")
	cfg.Keyring = mustKeyring(t, keyB, keyA)
	if w := postOneClick(NewHandler(cfg), "/u/"+tokenOf(t, link)); w.Code != http.StatusOK {
		t.Errorf("link sealed with the previous key: status %d, want 200", w.Code)
	}
}

func TestMethods(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	cfg := testConfig(t, store)
	h := NewHandler(cfg)
	_, link := Links(cfg, "gender", "ana@example.org", "bureau@example.org")
	target := "/u/" + tokenOf(t, link)
	for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions, "PROPFIND"} {
		w := do(h, method, target, "application/x-www-form-urlencoded", []byte(oneClickBody))
		if w.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", method, w.Code)
		}
		if allow := w.Header().Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
			t.Errorf("%s: Allow %q, want GET and POST", method, allow)
		}
	}
	if store.calls != 0 {
		t.Errorf("store called %d times, want 0", store.calls)
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base     string
		path     string
		wantCode int
	}{
		{baseURL, "/u/", 200},
		{baseURL, "/caucusgate/u/", 200},
		{baseURL, "/other/u/", 404},
		{"https://lists.example.org", "/u/", 200},
		{"https://lists.example.org/{x}/", "/u/", 200},
		{"https://lists.example.org/my lists/", "/u/", 200},
		{"https://lists.example.org/a%2Fb/", "/u/", 200},
		{"", "/u/", 200},
		{"", "/caucusgate/u/", 404},
	}
	for _, tt := range tests {
		store := newMemStore()
		cfg := testConfig(t, store)
		cfg.PublicURL = nil
		if tt.base != "" {
			cfg.PublicURL = &url.URL{Scheme: "https", Host: "lists.example.org", Path: strings.TrimPrefix(tt.base, "https://lists.example.org")}
		}
		tok := sealed(cfg, token.Unsubscribe, "gender\x00ana@example.org", time.Time{})
		w := postOneClick(NewHandler(cfg), tt.path+tok)
		if w.Code != tt.wantCode {
			t.Errorf("base %q, POST %s: status %d, want %d", tt.base, tt.path+"TOKEN", w.Code, tt.wantCode)
		}
	}
}

func TestStoreFailure(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, failStore{})
	_, link := Links(cfg, "gender", "ana@example.org", "bureau@example.org")
	w := postOneClick(NewHandler(cfg), "/u/"+tokenOf(t, link))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
	if strings.Contains(w.Body.String(), "locked") {
		t.Errorf("body %q shows the store's error to the public", w.Body)
	}
}

var styleRE = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, newMemStore())
	h := NewHandler(cfg)
	_, link := Links(cfg, "gender", "ana@example.org", "bureau@example.org")
	target := "/u/" + tokenOf(t, link)
	page := do(h, http.MethodGet, target, "", nil)
	m := styleRE.FindSubmatch(page.Body.Bytes())
	if m == nil {
		t.Fatal("page has no <style>")
	}
	sum := sha256.Sum256(m[1])
	styleSrc := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	answers := map[string]*httptest.ResponseRecorder{
		"GET page": page,
		"POST":     postOneClick(h, target),
		"404":      do(h, http.MethodGet, "/u/nope", "", nil),
		"405":      do(h, http.MethodPut, target, "", nil),
		"other":    do(h, http.MethodGet, "/", "", nil),
	}
	for name, w := range answers {
		hd := w.Header()
		csp := hd.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", styleSrc, "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", name, csp, want)
			}
		}
		for k, want := range map[string]string{
			"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
		} {
			if got := hd.Get(k); got != want {
				t.Errorf("%s: %s %q, want %q", name, k, got, want)
			}
		}
	}
}

func TestNewHandlerNeedsKeyringAndStore(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"no store":   {Keyring: mustKeyring(t, keyA)},
		"no keyring": {Store: newMemStore()},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: NewHandler did not panic", name)
				}
			}()
			NewHandler(cfg)
		}()
	}
}

// TestOverHTTP follows a link as a person and as a mail provider do, over
// a real listener: the person's GET shows a form that posts one-click to
// the same URL; the provider's POST, without cookies, answers 200 and no
// redirect.
func TestOverHTTP(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	cfg := testConfig(t, store)
	srv := httptest.NewServer(nil)
	t.Cleanup(srv.Close)
	cfg.PublicURL, _ = url.Parse(srv.URL + "/caucusgate/")
	srv.Config.Handler = NewHandler(cfg)
	_, link := Links(cfg, "gender", "ana@example.org", "bureau@example.org")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	page := fetch(t, client, http.MethodGet, link, "")
	for _, want := range []string{`<form method="post">`, `name="List-Unsubscribe" value="One-Click"`, "Gender Caucus"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "action=") || len(store.snapshot()) != 0 {
		t.Errorf("page posts elsewhere, or GET unsubscribed (%d)", len(store.snapshot()))
	}
	fetch(t, client, http.MethodPost, link, oneClickBody)
	if got := store.snapshot(); !got["gender/ana@example.org"].Equal(now) {
		t.Errorf("store holds %v after the POST", got)
	}
}

// fetch makes one request and wants 200.
func fetch(t *testing.T, client *http.Client, method, link, body string) string {
	t.Helper()
	req, err := http.NewRequest(method, link, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, link, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: status %d, body %q", method, link, resp.StatusCode, b)
	}
	return string(b)
}

// TestLinkExpires: a link works for a year (DefaultTokenTTL) and not
// after; TokenTTL shortens it.
func TestLinkExpires(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ttl   time.Duration
		after time.Duration
		want  int
	}{
		{0, 364 * 24 * time.Hour, http.StatusOK},
		{0, 367 * 24 * time.Hour, http.StatusNotFound},
		{30 * 24 * time.Hour, 29 * 24 * time.Hour, http.StatusOK},
		{30 * 24 * time.Hour, 32 * 24 * time.Hour, http.StatusNotFound},
	}
	for _, tt := range tests {
		cfg := testConfig(t, newMemStore())
		cfg.TokenTTL = tt.ttl
		_, link := Links(cfg, "gender", "ana@example.org", "bureau@example.org")
		later := now.Add(tt.after)
		cfg.Now = func() time.Time { return later }
		if w := postOneClick(NewHandler(cfg), "/u/"+tokenOf(t, link)); w.Code != tt.want {
			t.Errorf("TTL %v, used %v later: status %d, want %d", tt.ttl, tt.after, w.Code, tt.want)
		}
	}
}
