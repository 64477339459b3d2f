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
			// fx's wiring chatter is debug detail; its errors (a failed start, say) stay errors.
			l := &fxevent.SlogLogger{Logger: log}
			l.UseLogLevel(slog.LevelDebug)
			return l
		}),
		fx.StopTimeout(c.ShutdownTimeout),
		StorageModule,
		CoreModule,
		MailModule,
		AuditModule,
		MetricsModule,
		metricsDecorators,
		HTTPModule,
		PprofModule,
	)
}
