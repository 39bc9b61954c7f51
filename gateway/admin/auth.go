package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
)

type userKey struct{}

// challenge names the protection space, the realm (RFC 7617), which
// browsers show in the login prompt.
const challenge = `Basic realm="caucusgate"`

// requireLogin lets through requests that carry the admin's Basic
// credentials, with the user name in their context.
func (s *server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || !s.credentialsMatch(user, pass) {
			if ok {
				s.log.Warn("admin login refused", "remote", r.RemoteAddr, "path", r.URL.Path)
			}
			w.Header().Set("WWW-Authenticate", challenge)
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
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
