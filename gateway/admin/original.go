package admin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// heldOriginal and heldReplyOriginal download a held item's original
// message, as the moderator's mail client would open it.
func (s *server) heldOriginal(w http.ResponseWriter, r *http.Request) {
	s.original(w, r, "held", s.cfg.Backend.HeldOriginal)
}

func (s *server) heldReplyOriginal(w http.ResponseWriter, r *http.Request) {
	s.original(w, r, "reply", s.cfg.Backend.HeldReplyOriginal)
}

// original sends the message as an attachment: message/rfc822 (RFC 2046
// section 5.2.1) that the browser saves, never renders; with nosniff (set
// on every response) no HTML inside it can run on the admin's origin.
func (s *server) original(w http.ResponseWriter, r *http.Request, kind string,
	get func(context.Context, int64) ([]byte, error)) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	raw, err := get(r.Context(), id)
	if err != nil {
		s.fail(w, r, "download "+kind+" original", err)
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d.eml"`, kind, id))
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	_, _ = w.Write(raw)
}
