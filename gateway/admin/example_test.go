package admin_test

import (
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"caucusgate/gateway/admin"
	"caucusgate/gateway/metrics"
)

// The daemon's wiring: one registry for the gateway's metrics, served on
// the admin listener next to the pages.
func ExampleNewHandler() {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	_ = m // handed to the gateway, which calls m.Decided, m.Delivery, ...

	var backend admin.Backend // the store and the gateway, in the daemon
	h, err := admin.NewHandler(admin.Config{
		Backend:  backend,
		Username: "admin",
		Password: os.Getenv("ADMIN_PASSWORD"),
		Metrics:  metrics.Handler(reg),
		Logger:   slog.Default(),
	})
	if err != nil {
		return // no backend here: NewHandler refuses the config
	}
	srv := &http.Server{Addr: "127.0.0.1:8025", Handler: h, ReadHeaderTimeout: 10 * time.Second}
	_ = srv.ListenAndServe()
}
