package app

import (
	"context"
	"time"

	"go.uber.org/fx"
)

// runInBackground runs fn on a goroutine of its own from start-up; stopping the app cancels fn's
// context and waits for fn to return, or for the stop's deadline.
func runInBackground(lc fx.Lifecycle, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
				fn(ctx)
			}()
			return nil
		},
		OnStop: func(stop context.Context) error {
			cancel()
			select {
			case <-done:
				return nil
			case <-stop.Done():
				return stop.Err()
			}
		},
	})
}

// runEvery runs fn in the background (see runInBackground), first after first and then every
// period.
func runEvery(lc fx.Lifecycle, first, period time.Duration, fn func(context.Context)) {
	runInBackground(lc, func(ctx context.Context) {
		wait := time.NewTimer(first)
		defer wait.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-wait.C:
				fn(ctx)
				wait.Reset(period)
			}
		}
	})
}
