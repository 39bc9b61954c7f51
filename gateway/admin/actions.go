package admin

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// action is one POST form's work on the item the path names: it runs act
// for the logged-in user, logs what was done, and sends the browser back to
// page with a confirmation (or to the error page when act fails).
type action struct {
	what string // "approve held message": for error pages
	done string // "approved": the confirmation word, and the log's
	page string // where the browser goes back to; {id} stands for the item's id
	act  func(r *http.Request, id int64, by string) error
}

func (s *server) handle(a action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		if err := a.act(r, id, userOf(r)); err != nil {
			s.fail(w, r, a.what, err)
			return
		}
		s.log.Info(a.what+": "+a.done, "id", id, "by", userOf(r))
		redirectDone(w, r, strings.ReplaceAll(a.page, "{id}", strconv.FormatInt(id, 10)), a.done, id)
	}
}

// actions are the forms' routes and what each does.
func (s *server) actions() map[string]action {
	b := s.cfg.Backend
	return map[string]action{
		"POST /held/{id}/approve": {"approve held message", "approved", "/", func(r *http.Request, id int64, by string) error {
			return b.Approve(r.Context(), id, by)
		}},
		"POST /held/{id}/reject": {"reject held message", "rejected", "/", func(r *http.Request, id int64, by string) error {
			return b.Reject(r.Context(), id, by, cleanReason(r.PostForm.Get("reason")))
		}},
		"POST /replies/{id}/release": {"release held reply", "released", "/", func(r *http.Request, id int64, by string) error {
			return b.ReleaseReply(r.Context(), id, by)
		}},
		"POST /replies/{id}/drop": {"drop held reply", "dropped", "/", func(r *http.Request, id int64, by string) error {
			return b.DropReply(r.Context(), id, by)
		}},
		"POST /queue/{id}/retry": {"retry delivery", "retried", "/queue", func(r *http.Request, id int64, _ string) error {
			return b.Retry(r.Context(), id)
		}},
		"POST /queue/{id}/cancel": {"cancel delivery", "cancelled", "/queue", func(r *http.Request, id int64, _ string) error {
			return b.Cancel(r.Context(), id)
		}},
	}
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
