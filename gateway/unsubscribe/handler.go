package unsubscribe

import (
	"errors"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"caucusgate/gateway/token"
)

type handler struct {
	cfg  Config
	log  *slog.Logger
	page page
}

// NewHandler serves the links Links makes: GET /u/{token} a page with an
// Unsubscribe button, POST /u/{token} the unsubscription (RFC 8058); any
// other method is 405, a token that does not open is 404. It serves the
// same paths under cfg.PublicURL's path too (/caucusgate/u/{token}), so a
// reverse proxy may pass the published path on or strip its prefix. It
// panics without cfg.Keyring or cfg.Store.
func NewHandler(cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	h := &handler{cfg: cfg, log: cfg.Logger, page: newPage()}
	mux := http.NewServeMux()
	for _, prefix := range prefixes(cfg) {
		mux.HandleFunc("GET "+prefix+"u/{token}", h.serveForm)
		mux.HandleFunc("POST "+prefix+"u/{token}", h.serveUnsubscribe)
	}
	return h.secureHeaders(mux)
}

// prefixes are the path prefixes the links are served under: the root,
// and PublicURL's path when it is another one that a mux pattern can hold
// as a literal (no wildcard braces, no spaces).
func prefixes(cfg Config) []string {
	out := []string{"/"}
	if cfg.PublicURL == nil {
		return out
	}
	p := path.Clean("/" + cfg.PublicURL.Path)
	if p == "/" {
		return out
	}
	if strings.Trim(p, patternSafe) != "" {
		cfg.Logger.Warn("public URL path cannot be served as it is; serving /u/ only", "path", p)
		return out
	}
	return append(out, p+"/")
}

// patternSafe are RFC 3986's unreserved characters, sub-delims and the
// path's ":@/": what a ServeMux pattern takes literally.
const patternSafe = unreserved + "!$&'()*+,;=:@/"

// subscription is what an opened token names.
type subscription struct{ caucus, member string }

// open reads the request's token. Every failure is the same "no": telling
// a forged token from an expired or a foreign one would help a forger.
func (h *handler) open(r *http.Request) (subscription, bool) {
	t, err := h.cfg.Keyring.OpenKind(r.PathValue("token"), token.Unsubscribe, h.cfg.Now())
	if err != nil {
		return subscription{}, false
	}
	caucus, member, ok := openExtra(t.Extra)
	if !ok {
		// Only our own keyring signs tokens, so this is a bug, not an attack.
		h.log.Error("unsubscribe token with malformed extra", "extra_len", len(t.Extra))
		return subscription{}, false
	}
	return subscription{caucus, member}, true
}

func (h *handler) notFound(w http.ResponseWriter) {
	http.Error(w, "This unsubscribe link is not valid.", http.StatusNotFound)
}

// bodyError answers a POST body that could not be read: too large, or not
// a form.
func bodyError(w http.ResponseWriter, err error) {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		http.Error(w, "Request body too large.", http.StatusRequestEntityTooLarge)
		return
	}
	http.Error(w, "Malformed request body.", http.StatusBadRequest)
}
