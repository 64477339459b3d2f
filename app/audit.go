package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/authd/authd/core/audit"
)

// AuditModule prunes the security timelines of events older than AUTHD_EVENT_RETENTION, every
// replica about once an hour (pruning is idempotent, so replicas may overlap).
var AuditModule = fx.Module("audit", fx.Invoke(runPruner))

// pruneEvery is how often a replica prunes the timelines.
const pruneEvery = time.Hour

func runPruner(lc fx.Lifecycle, c Config, store audit.Store, log *slog.Logger) {
	if c.EventRetention <= 0 {
		return
	}
	runEvery(lc, 0, pruneEvery, func(ctx context.Context) {
		cutoff := time.Now().Add(-c.EventRetention)
		n, err := store.Prune(ctx, cutoff)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("pruning the security timelines failed; will retry", "error", err.Error())
		case n > 0:
			log.Info("pruned security events past their retention", "count", n, "before", cutoff.UTC().Format(time.RFC3339))
		}
	})
}

// ErrTimelineBroken is what VerifyTimelines returns when a chain does not verify.
var ErrTimelineBroken = errors.New("a security timeline does not verify")

// VerifyTimelines checks every user's security timeline straight from the configured store and
// writes a line per broken chain, and a summary, to out: `authd audit verify`.
func VerifyTimelines(ctx context.Context, c Config, log *slog.Logger, out io.Writer) error {
	var store audit.Store
	app := fx.New(
		fx.Supply(c, log),
		fx.NopLogger,
		StorageModule,
		fx.Populate(&store),
	)
	if err := app.Start(ctx); err != nil {
		return fmt.Errorf("open the store: %w", StartCause(err))
	}
	defer func() { _ = app.Stop(context.WithoutCancel(ctx)) }()
	users, events, broken := 0, 0, 0
	err := store.Users(ctx, func(id string) error {
		r, err := audit.Verify(ctx, store, id)
		if err != nil {
			return err
		}
		users++
		events += r.Events
		if !r.Valid {
			broken++
			fmt.Fprintf(out, "user %s: broken at event %d (%s): %s\n", id, r.Broken.Seq, r.Broken.ID, r.Broken.Reason)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("verify timelines: %w", err)
	}
	fmt.Fprintf(out, "%d timelines, %d events checked, %d broken\n", users, events, broken)
	if broken > 0 {
		return ErrTimelineBroken
	}
	return nil
}
