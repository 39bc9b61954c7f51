package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"time"
)

type userKey struct{}

// challenge names the protection space, the realm (RFC 7617), which
// browsers show in the login prompt.
const challenge = `Basic realm="caucusgate"`

// requireLogin lets through requests that carry the admin's Basic
// credentials, with the user name in their context.
func (s *server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientOf(r)
		if wait := s.logins.retryAfter(client); wait > 0 {
			s.log.Warn("admin login refused: too many failures", "remote", client, "path", r.URL.Path, "retry_after", wait.Round(time.Second).String())
			tooMany(w, wait)
			return
		}
		user, pass, ok := r.BasicAuth()
		if !ok || !s.credentialsMatch(user, pass) {
			if ok {
				n := s.logins.fail(client)
				s.log.Warn("admin login refused", "remote", client, "path", r.URL.Path, "failures", n)
			}
			w.Header().Set("WWW-Authenticate", challenge)
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		s.logins.succeed(client)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

// credentialsMatch compares in constant time. Hashing first makes the
// comparison's time independent of the lengths too, and both fields are
// always compared so that timing does not tell which one was wrong.
func (s *server) credentialsMatch(user, pass string) bool {
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(pass))
	return subtle.ConstantTimeCompare(u[:], s.userHash[:])&
		subtle.ConstantTimeCompare(p[:], s.passHash[:]) == 1
}

func userOf(r *http.Request) string {
	u, _ := r.Context().Value(userKey{}).(string)
	return u
}
