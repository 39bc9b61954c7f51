package unsubscribe

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"caucusgate/gateway/token"
)

// FuzzHandler: whatever the path, method, content type and body, the
// handler never answers 5xx, a GET never unsubscribes, and a POST
// unsubscribes exactly when it answers 200 for a token that opens.
func FuzzHandler(f *testing.F) {
	cfg := testConfig(f, newMemStore())
	good := sealed(cfg, token.Unsubscribe, "gender\x00ana@example.org", time.Time{})
	f.Add(good, true, "application/x-www-form-urlencoded", []byte(oneClickBody))
	f.Add(good, false, "", []byte(nil))
	f.Add(good+"/..", true, "", []byte(oneClickBody))
	f.Add("../"+good, true, "multipart/form-data; boundary=x", []byte("--x\r\n\r\n--x--"))
	f.Add(sealed(cfg, token.Reply, "gender\x00ana@example.org", time.Time{}), true, "", []byte(oneClickBody))
	f.Add(sealed(cfg, token.Unsubscribe, "\x00", time.Time{}), true, "", []byte(oneClickBody))
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false, "", []byte(nil))
	f.Add("%zz", true, "text/plain", []byte("List-Unsubscribe=One-Click&%"))
	f.Fuzz(func(t *testing.T, tok string, post bool, contentType string, body []byte) {
		store := newMemStore()
		cfg := cfg
		cfg.Store = store
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		r := httptest.NewRequest(method, "/", bytes.NewReader(body))
		r.URL = &url.URL{Path: "/u/" + tok}
		r.Header.Set("Content-Type", contentType)
		w := httptest.NewRecorder()
		NewHandler(cfg).ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s /u/%q: status %d, body %q", method, tok, w.Code, w.Body)
		}
		calls := len(store.snapshot())
		if !post && calls != 0 {
			t.Fatalf("GET /u/%q unsubscribed", tok)
		}
		if post && (w.Code == http.StatusOK) != (calls == 1) {
			t.Fatalf("POST /u/%q: status %d with %d unsubscriptions", tok, w.Code, calls)
		}
		if w.Code == http.StatusOK && post {
			if _, err := cfg.Keyring.OpenKind(tok, token.Unsubscribe, now); err != nil {
				t.Fatalf("POST /u/%q unsubscribed with a token that does not open: %v", tok, err)
			}
		}
	})
}

// FuzzLinks: whatever the caucus, member and account, the mailto: link is
// RFC 6068 and reads back to the account and subject, and the https: link
// opens to the same caucus and member.
func FuzzLinks(f *testing.F) {
	cfg := testConfig(f, newMemStore())
	f.Add("gender", "ana@example.org", "bureau@example.org")
	f.Add("é d&u=c#a%t?i+o,n", `"a b"@example.org`, `"x,y"+gw@example.org`)
	f.Add("g\x00", "\x00", "")
	f.Fuzz(func(t *testing.T, caucus, member, account string) {
		mailto, https := Links(cfg, caucus, member, account)
		if account != "" {
			checkMailtoForm(t, mailto, account, caucus)
		}
		if https == "" {
			return
		}
		tok, err := cfg.Keyring.OpenKind(tokenOf(t, https), token.Unsubscribe, now)
		if err != nil {
			t.Fatalf("link %q does not open: %v", https, err)
		}
		if c, m, ok := openExtra(tok.Extra); !ok || c != caucus || m != member {
			t.Fatalf("link for %q, %q opens to %q, %q, %v", caucus, member, c, m, ok)
		}
	})
}

// checkMailtoForm is checkMailto without the address parse: the fuzzer's
// accounts are seldom addresses, and the encoding must hold for any.
func checkMailtoForm(t *testing.T, link, account, caucus string) {
	t.Helper()
	if !rfc6068.MatchString(link) {
		t.Fatalf("%q is not an RFC 6068 mailto: URI", link)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("parse %q: %v", link, err)
	}
	if to, err := url.PathUnescape(u.Opaque); err != nil || to != account {
		t.Fatalf("%q addresses %q (%v), want %q", link, to, err, account)
	}
	if q, err := url.ParseQuery(u.RawQuery); err != nil || q.Get("subject") != "unsubscribe "+caucus {
		t.Fatalf("%q has subject %q (%v)", link, q.Get("subject"), err)
	}
}
