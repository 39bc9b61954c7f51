package admin

import (
	"errors"
	"net/http"

	"caucusgate/queue"
)

// failure is what the error page shows.
type failure struct {
	Status  int
	What    string
	Message string
}

// fail answers a backend error: 404 for an unknown id, 409 for an action
// the item's state refuses (approving twice), 500 otherwise. The admin is
// logged in, so the error text is shown: it is what they need to act.
func (s *server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, queue.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, queue.ErrWrongState):
		status = http.StatusConflict
	}
	if status == http.StatusInternalServerError {
		s.log.Error("admin: "+what, "path", r.URL.Path, "err", err)
	}
	f := failure{Status: status, What: what, Message: err.Error()}
	s.render(w, status, "error", s.newView(r, "", http.StatusText(status), f))
}
