package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Forms carry a token that is an HMAC, under a server key, of the logged-in
// user and the hour it was issued in. Basic authentication is why a
// token is needed at all: the browser attaches the credentials to any
// request to this origin, a cross-site form post included, so the login
// alone proves nothing about who wrote the request. It is also why the
// token is not a cookie (the double-submit pattern): Basic auth gives no
// session to bind a cookie to, and a cookie can be planted by a sibling
// host or, on plain HTTP, by anyone on the path, whereas a forged HMAC
// needs the key. A cross-site page cannot read our pages to copy the token
// (same-origin policy). Tokens stay valid for one to two windows, long
// enough to fill in a form, short enough that a leaked one soon expires.
const csrfWindow = time.Hour

const csrfField = "csrf"

type csrf struct {
	key []byte
	now func() time.Time
}

func (c csrf) window() int64 { return c.now().Unix() / int64(csrfWindow/time.Second) }

func (c csrf) mac(user string, window int64) string {
	h := hmac.New(sha256.New, c.key)
	// The NUL separator keeps user "a1" in window 2 apart from user "a" in
	// window 12.
	h.Write([]byte("caucusgate-csrf\x00" + user + "\x00" + strconv.FormatInt(window, 10)))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// token is the form token for user now.
func (c csrf) token(user string) string {
	w := c.window()
	return strconv.FormatInt(w, 10) + "." + c.mac(user, w)
}

// valid says whether tok was issued to user in this window or the last.
func (c csrf) valid(user, tok string) bool {
	ws, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	w, err := strconv.ParseInt(ws, 10, 64)
	// Only the canonical form: "+5" and "05" would be other strings that
	// accept, and a token must have exactly one spelling.
	if err != nil || strconv.FormatInt(w, 10) != ws {
		return false
	}
	if now := c.window(); w != now && w != now-1 {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(c.mac(user, w)))
}

// maxFormBytes bounds a form body; the largest field is a reject reason.
const maxFormBytes = 64 << 10

// requireToken refuses a POST whose form lacks a valid token, and, as a
// second line, a browser's cross-origin POST (Sec-Fetch-Site, Origin).
func (s *server) requireToken(next http.HandlerFunc) http.Handler {
	check := func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		if !s.csrf.valid(userOf(r), r.PostForm.Get(csrfField)) {
			s.log.Warn("admin form refused: bad or expired csrf token", "remote", r.RemoteAddr, "path", r.URL.Path)
			http.Error(w, "invalid or expired form token: reload the page and try again", http.StatusForbidden)
			return
		}
		next(w, r)
	}
	return http.NewCrossOriginProtection().Handler(http.HandlerFunc(check))
}
