package admin

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

type server struct {
	cfg      Config
	log      *slog.Logger
	csrf     csrf
	pages    pages
	userHash [sha256.Size]byte
	passHash [sha256.Size]byte
	logins   *loginLimiter
}

// NewHandler returns the admin handler: /healthz, /readyz and /metrics
// open, every other path behind the login.
func NewHandler(cfg Config) (http.Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p, err := parsePages(cfg.Location)
	if err != nil {
		return nil, fmt.Errorf("parse admin templates: %w", err)
	}
	s := &server{
		cfg:      cfg,
		log:      cfg.Logger,
		csrf:     csrf{key: cfg.CSRFKey, now: cfg.Now},
		pages:    p,
		userHash: sha256.Sum256([]byte(cfg.Username)),
		passHash: sha256.Sum256([]byte(cfg.Password)),
		logins:   newLoginLimiter(cfg.Now, cfg.MaxLoginFailures),
	}
	return s.secureHeaders(s.routes()), nil
}

func (s *server) routes() http.Handler {
	open := http.NewServeMux()
	open.HandleFunc("GET /healthz", s.healthz)
	open.HandleFunc("GET /readyz", s.readyz)
	if s.cfg.Metrics != nil {
		open.Handle("GET /metrics", s.cfg.Metrics)
	} else {
		open.Handle("GET /metrics", http.NotFoundHandler())
	}
	open.Handle("/", s.requireLogin(s.loginRoutes()))
	return open
}

// loginRoutes are the pages behind the login. Actions are POST only: the
// mux answers a GET to them with 405, so no link, prefetch or crawler can
// approve anything.
func (s *server) loginRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.heldPage)
	mux.HandleFunc("GET /held/{id}", s.heldMessagePage)
	mux.HandleFunc("GET /held/{id}/message.eml", s.heldOriginal)
	mux.HandleFunc("GET /replies/{id}", s.heldReplyPage)
	mux.HandleFunc("GET /replies/{id}/message.eml", s.heldReplyOriginal)
	mux.HandleFunc("GET /decisions", s.decisionsPage)
	mux.HandleFunc("GET /decisions/{id}", s.decisionPage)
	mux.HandleFunc("GET /queue", s.queuePage)
	mux.HandleFunc("GET /members", s.membersPage)
	mux.Handle("POST /members/enable", s.requireToken(s.enableMember))
	mux.HandleFunc("GET /schedules", s.schedulesPage)
	mux.HandleFunc("GET /caucuses", s.caucusesPage)
	mux.HandleFunc("GET /rules", s.rulesPage)
	mux.HandleFunc("GET /invitations", s.invitationsPage)
	mux.HandleFunc("GET /invitations/{id}", s.invitationPage)
	mux.Handle("POST /invitations/{id}/deadline", s.requireToken(s.setDeadline))
	mux.Handle("GET /static/", noListing(http.FileServerFS(staticFS())))
	for pattern, a := range s.actions() {
		mux.Handle(pattern, s.requireToken(s.handle(a)))
	}
	for pattern, a := range s.invitationActions() {
		mux.Handle(pattern, s.requireToken(s.handle(a)))
	}
	return mux
}

// noListing hides the directory listings http.FileServer would show: the
// page only links files.
func noListing(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
