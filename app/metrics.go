package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/fx"

	"github.com/authd/authd/adapters/metrics"
	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// MetricsModule builds the Prometheus registry and recorder, and serves GET /metrics on its own
// listener when AUTHD_METRICS_ADDR is set (otherwise the API serves it, see newHandler).
var MetricsModule = fx.Module("metrics",
	fx.Provide(newRegistry, newRecorder),
	fx.Invoke(startMetricsListener),
)

// metricsDecorators time the core's hashing and storage ports. They sit at the root of the app:
// an fx.Decorate inside a module would only reach that module's own consumers.
var metricsDecorators = fx.Decorate(
	func(h credential.Hasher, r *metrics.Recorder) credential.Hasher {
		return metrics.Hasher{Next: h, Rec: r}
	},
	func(s user.Store, r *metrics.Recorder) user.Store { return metrics.Users{Next: s, Rec: r} },
	func(l user.Lister, r *metrics.Recorder) user.Lister { return metrics.Lister{Next: l, Rec: r} },
	func(e user.Eraser, r *metrics.Recorder) user.Eraser { return metrics.Eraser{Next: e, Rec: r} },
	func(s credential.SessionStore, r *metrics.Recorder) credential.SessionStore {
		return metrics.Sessions{Next: s, Rec: r}
	},
	func(s throttle.Store, r *metrics.Recorder) throttle.Store {
		return metrics.Attempts{Next: s, Rec: r}
	},
	func(s mail.Outbox, r *metrics.Recorder) mail.Outbox { return metrics.Outbox{Next: s, Rec: r} },
	func(s audit.Store, r *metrics.Recorder) audit.Store { return metrics.Timeline{Next: s, Rec: r} },
)

// newRegistry is private to the app rather than Prometheus' global default, so two apps in one
// process (tests) never share or collide on metrics.
func newRegistry() (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	return reg, reg.Register(buildInfoGauge(readBuild()))
}

func newRecorder(reg *prometheus.Registry) (*metrics.Recorder, error) { return metrics.New(reg) }

func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

func startMetricsListener(lc fx.Lifecycle, c Config, reg *prometheus.Registry, log *slog.Logger) {
	if c.MetricsAddr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler(reg))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := listen("metrics", c.MetricsAddr)
			if err != nil {
				return err
			}
			log.Info("metrics listening", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
					log.Error("metrics server stopped", "error", err.Error())
				}
			}()
			return nil
		},
		OnStop: srv.Shutdown,
	})
}
