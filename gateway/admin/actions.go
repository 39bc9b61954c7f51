package admin

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

func (s *server) approve(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.cfg.Backend.Approve(r.Context(), id, userOf(r)); err != nil {
		s.fail(w, r, "approve held message", err)
		return
	}
	s.log.Info("held message approved", "id", id, "by", userOf(r))
	redirectDone(w, r, "/", "approved", id)
}

func (s *server) reject(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	reason := cleanReason(r.PostForm.Get("reason"))
	if err := s.cfg.Backend.Reject(r.Context(), id, userOf(r), reason); err != nil {
		s.fail(w, r, "reject held message", err)
		return
	}
	s.log.Info("held message rejected", "id", id, "by", userOf(r), "reason", reason)
	redirectDone(w, r, "/", "rejected", id)
}

func (s *server) release(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.cfg.Backend.ReleaseReply(r.Context(), id, userOf(r)); err != nil {
		s.fail(w, r, "release held reply", err)
		return
	}
	s.log.Info("held reply released", "id", id, "by", userOf(r))
	redirectDone(w, r, "/", "released", id)
}

func (s *server) drop(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.cfg.Backend.DropReply(r.Context(), id, userOf(r)); err != nil {
		s.fail(w, r, "drop held reply", err)
		return
	}
	s.log.Info("held reply dropped", "id", id, "by", userOf(r))
	redirectDone(w, r, "/", "dropped", id)
}

func (s *server) retry(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.cfg.Backend.Retry(r.Context(), id); err != nil {
		s.fail(w, r, "retry delivery", err)
		return
	}
	s.log.Info("delivery retried", "id", id, "by", userOf(r))
	redirectDone(w, r, "/queue", "retried", id)
}

func (s *server) cancel(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.cfg.Backend.Cancel(r.Context(), id); err != nil {
		s.fail(w, r, "cancel delivery", err)
		return
	}
	s.log.Info("delivery cancelled", "id", id, "by", userOf(r))
	redirectDone(w, r, "/queue", "cancelled", id)
}

// maxReason bounds a reject reason, which goes into a notice to the
// sender.
const maxReason = 1000

// cleanReason makes the reason one line of printable text: it is quoted
// in a notice and may end up in a header, where a CR or LF would inject
// fields.
func cleanReason(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
