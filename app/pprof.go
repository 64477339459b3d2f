package app

import (
	"context"
	"expvar"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"go.uber.org/fx"
)

// PprofModule serves net/http/pprof and expvar (memstats) on AUTHD_PPROF_ADDR, a loopback listener
// apart from the API, when that is set; unset, it does nothing.
var PprofModule = fx.Module("pprof", fx.Invoke(startPprof))

func startPprof(lc fx.Lifecycle, c Config, log *slog.Logger) error {
	if c.PprofAddr == "" {
		return nil
	}
	// Profiles and memstats show internals an attacker would love; they must never face the network.
	if err := requireLoopback(c.PprofAddr); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/vars", expvar.Handler())
	// No write timeout: a CPU profile or trace streams for as long as it was asked to run.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := listen("pprof", c.PprofAddr)
			if err != nil {
				return err
			}
			log.Info("pprof listening", "addr", ln.Addr().String())
			go func() {
				if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
					log.Error("pprof server stopped", "error", err.Error())
				}
			}()
			return nil
		},
		OnStop: srv.Shutdown,
	})
	return nil
}

func requireLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("AUTHD_PPROF_ADDR %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("AUTHD_PPROF_ADDR %q: must be a loopback address such as 127.0.0.1:6060", addr)
	}
	return nil
}
