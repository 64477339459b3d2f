package app

import (
	"log/slog"
	"os"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"
)

// Module is the whole service for a configuration; logs go to stderr.
func Module(c Config) fx.Option {
	return ModuleWithLogger(c, NewLogger(c, os.Stderr))
}

// ModuleWithLogger is Module with the given logger, for tests and embedding.
func ModuleWithLogger(c Config, log *slog.Logger) fx.Option {
	return fx.Options(
		fx.Supply(c, log),
		fx.WithLogger(func() fxevent.Logger {
			// fx's events are debug detail, its errors too: a failed start comes back from Start,
			// and the caller logs its cause once (StartError), not fx's three lines of wiring.
			l := &fxevent.SlogLogger{Logger: log}
			l.UseLogLevel(slog.LevelDebug)
			l.UseErrorLevel(slog.LevelDebug)
			return l
		}),
		fx.StopTimeout(c.ShutdownTimeout),
		StorageModule,
		CoreModule,
		MailModule,
		AuditModule,
		AccountsModule,
		MetricsModule,
		metricsDecorators,
		HTTPModule,
		PprofModule,
	)
}
