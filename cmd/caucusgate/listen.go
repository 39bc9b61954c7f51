package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"caucusgate/gateway"
	"caucusgate/gateway/admin"
	"caucusgate/gateway/metrics"
	"caucusgate/gateway/unsubscribe"
	"caucusgate/internal/buildinfo"
	"caucusgate/queue"
)

// newMetrics makes the gateway's metrics on a registry of their own: every
// series served is a caucusgate_ one (no Go runtime or process series).
func newMetrics(store *queue.Store) (*metrics.Metrics, *prometheus.Registry) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	build := buildinfo.Read()
	m.BuildInfo(build.Version, build.RevisionLabel(), build.GoVersion)
	m.SetQueueStats(func(ctx context.Context) (int, time.Duration, error) {
		st, err := store.QueueStats(ctx)
		return st.Depth, st.OldestPending, err
	})
	return m, reg
}

// adminServer is the listener of the admin pages, /metrics, /healthz and
// /readyz.
type adminServer struct {
	srv *http.Server
	ln  net.Listener
	tls bool
	log *slog.Logger
}

// startAdmin listens on cfg's `listen` address; nil when none is set.
func startAdmin(ctx context.Context, cfg *config, g *gateway.Gateway, store *queue.Store, reg *prometheus.Registry, log *slog.Logger) (*adminServer, error) {
	if cfg.file.Listen == "" {
		return nil, nil
	}
	handler, err := adminHandler(ctx, cfg, g, store, reg, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.file.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.file.Listen, err)
	}
	s := &adminServer{ln: ln, tls: cfg.file.Admin.TLSCert != "", log: log, srv: &http.Server{
		Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
	}}
	go s.serve(cfg.resolve(cfg.file.Admin.TLSCert), cfg.resolve(cfg.file.Admin.TLSKey))
	log.Info("admin listening", "addr", ln.Addr().String(), "tls", s.tls)
	return s, nil
}

func (s *adminServer) serve(cert, key string) {
	var err error
	if s.tls {
		err = s.srv.ServeTLS(s.ln, cert, key)
	} else {
		err = s.srv.Serve(s.ln)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("admin listener stopped", "error", err)
	}
}

// Addr is where the pages are served.
func (s *adminServer) Addr() string { return s.ln.Addr().String() }

func (s *adminServer) stop() {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}

// adminHandler is the admin pages behind the login, or, when no login is
// configured, only the open endpoints (every page answers 401).
func adminHandler(ctx context.Context, cfg *config, g *gateway.Gateway, store *queue.Store, reg *prometheus.Registry, log *slog.Logger) (http.Handler, error) {
	a := cfg.file.Admin
	backend := g.AdminBackend()
	if a.Username == "" {
		log.Warn("no admin login configured: only /healthz, /readyz and /metrics are served")
		return openOnly(backend, metrics.Handler(reg)), nil
	}
	password, _, err := cfg.secret("admin", a.PasswordEnv, a.PasswordFile, "")
	if err != nil {
		return nil, err
	}
	key, err := store.Secret(ctx, "admin-csrf", 32)
	if err != nil {
		return nil, fmt.Errorf("admin csrf key: %w", err)
	}
	return admin.NewHandler(admin.Config{Backend: backend, Username: a.Username, Password: password,
		Metrics: metrics.Handler(reg), TLS: a.TLSCert != "", Insecure: a.Insecure, Logger: log, CSRFKey: key,
		Location: cfg.location()})
}

// openOnly serves /healthz, /readyz and /metrics, and 401 elsewhere.
func openOnly(backend admin.Backend, metricsHandler http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := backend.Ready(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", metricsHandler)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="caucusgate"`)
		http.Error(w, "no admin login is configured", http.StatusUnauthorized)
	})
	return mux
}

// startPublic serves the one-click unsubscribe endpoint (RFC 8058) on
// `public_listen`, apart from the admin listener: mail providers POST to it
// from the internet, which the admin pages must never face.
func startPublic(ctx context.Context, cfg *config, g *gateway.Gateway, store *queue.Store, log *slog.Logger) (*adminServer, error) {
	if cfg.file.PublicListen == "" {
		return nil, nil
	}
	keys, err := g.Keyring(ctx)
	if err != nil {
		return nil, err
	}
	set := cfg.rules
	handler := unsubscribe.NewHandler(unsubscribe.Config{Keyring: keys, Store: store, PublicURL: cfg.publicURL(), Logger: log,
		CaucusName: func(id string) (string, bool) {
			c, ok := set.Caucus(id)
			return c.Name, ok
		}})
	ln, err := net.Listen("tcp", cfg.file.PublicListen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.file.PublicListen, err)
	}
	s := &adminServer{ln: ln, log: log, srv: &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxHeaderBytes: 16 << 10}}
	go s.serve("", "")
	log.Info("public unsubscribe endpoint listening", "addr", ln.Addr().String(), "url", cfg.file.PublicURL)
	return s, nil
}

// location is display_timezone loaded (checked at load): the zone the
// admin pages and the CLI show times in.
func (cfg *config) location() *time.Location {
	loc, err := displayLocation(cfg.file.DisplayTimezone)
	if err != nil {
		return time.Local
	}
	return loc
}

// publicURL is public_url parsed (checked at load), nil when unset.
func (cfg *config) publicURL() *url.URL {
	if cfg.file.PublicURL == "" {
		return nil
	}
	u, err := url.Parse(cfg.file.PublicURL)
	if err != nil {
		return nil
	}
	return u
}
