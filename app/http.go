package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/authd/authd/adapters/httpapi"
	"github.com/authd/authd/adapters/jwttoken"
	"github.com/authd/authd/adapters/metrics"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// HTTPModule serves the API: it listens in OnStart, so a taken port fails start-up, and drains in OnStop.
var HTTPModule = fx.Module("http",
	fx.Provide(NewServer),
	fx.Provide(fx.Private, newHandler),
	fx.Invoke(func(*Server) {}),
)

// HandlerParams is what the API handler is built from.
type HandlerParams struct {
	fx.In
	Config      Config
	Credentials *credential.Service
	Users       *user.Service
	Ready       ReadyFunc
	Log         *slog.Logger
	Tokens      *jwttoken.Codec
	Registry    *prometheus.Registry
	Recorder    *metrics.Recorder
}

func newHandler(p HandlerParams) (http.Handler, error) {
	c := p.Config
	proxies, err := httpapi.ParseCIDRs(c.TrustedProxies)
	if err != nil {
		return nil, err
	}
	origins, err := parseOrigins(c.CORSOrigins)
	if err != nil {
		return nil, err
	}
	var scrape http.Handler
	if c.MetricsAddr == "" {
		scrape = metricsHandler(p.Registry)
	}
	api := httpapi.New(httpapi.Options{
		Credentials: p.Credentials, Users: p.Users, Ready: p.Ready, Log: p.Log, TrustedProxies: proxies, IPv6Prefix: c.IPv6Prefix,
		Metrics: p.Recorder, MetricsHandler: scrape, JWKS: p.Tokens.JWKS(),
	})
	// Outermost, so that answers the CORS layer gives by itself close ambiguous framing too.
	return httpapi.Framing(withCORS(api, origins)), nil
}

// maxHeaderBytes bounds a request's header block; net/http answers 431 past it (plus its 4 KiB of
// slack). Its default is 1 MiB, which every request could make the server buffer and parse;
// the longest header a client needs here is a bearer token of a few hundred bytes.
const maxHeaderBytes = 64 << 10

// Server is the HTTP listener; Addr tells where it listens once started (useful with port 0).
type Server struct {
	srv  *http.Server
	addr net.Addr
}

// NewServer returns the server and registers its start and stop with the lifecycle.
func NewServer(lc fx.Lifecycle, c Config, h http.Handler, log *slog.Logger) *Server {
	s := &Server{srv: &http.Server{
		Addr:              c.HTTPAddr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := listen("http", c.HTTPAddr)
			if err != nil {
				return err
			}
			s.addr = ln.Addr()
			log.Info("listening", "addr", s.addr.String())
			go func() {
				if err := s.srv.Serve(ln); err != nil && err != http.ErrServerClosed {
					log.Error("http server stopped", "error", err.Error())
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			log.Info("shutting down: draining in-flight requests")
			return s.srv.Shutdown(ctx)
		},
	})
	return s
}

// listen is net.Listen on addr, its error naming the listener and the address once:
// "http: listen on 127.0.0.1:8080: bind: address already in use".
func listen(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			err = op.Err // its text repeats the address
		}
		return nil, fmt.Errorf("%s: listen on %s: %w", what, addr, err)
	}
	return ln, nil
}

// Addr returns the listening address, or nil before start.
func (s *Server) Addr() net.Addr { return s.addr }

// URL returns the base URL of the running server.
func (s *Server) URL() string { return "http://" + s.addr.String() }
