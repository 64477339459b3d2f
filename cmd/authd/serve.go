package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/fx"

	"github.com/authd/authd/app"
)

// serve runs the service until SIGINT or SIGTERM. It does what fx.App.Run does, but a start-up
// that fails is one ERROR line naming the cause (fx's own events are debug detail, see app.Module).
func serve(cfg app.Config, log *slog.Logger) int {
	a := fx.New(app.ModuleWithLogger(cfg, log))
	// Catching signals before starting (fx.App.Run only does after) means a SIGTERM soon after
	// "listening" is a clean stop, and one during start-up abandons the start.
	stopped := a.Wait()
	timeout, cancel := context.WithTimeout(context.Background(), a.StartTimeout())
	defer cancel()
	startCtx, cancelOnSignal := signal.NotifyContext(timeout, os.Interrupt, syscall.SIGTERM)
	defer cancelOnSignal()
	if err := a.Start(startCtx); err != nil {
		if startCtx.Err() != nil && timeout.Err() == nil {
			// A signal, not a failure: fx prefers the cancelled context's error even when the
			// last hook had just returned, and has rolled back what started.
			log.Info("stopped during start-up on a signal")
			return 0
		}
		log.Error("authd could not start", "error", app.StartCause(err).Error())
		return 1
	}
	sig := <-stopped
	log.Info("stopping", "signal", sig.Signal.String())
	stopCtx, cancel := context.WithTimeout(context.Background(), a.StopTimeout())
	defer cancel()
	if err := a.Stop(stopCtx); err != nil {
		log.Error("authd did not stop cleanly", "error", err.Error())
		return 1
	}
	return sig.ExitCode
}
