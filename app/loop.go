package app

import (
	"context"
	"time"

	"go.uber.org/fx"
)

// runEvery runs fn on a goroutine of its own, first after first and then every period, from
// start-up until the app stops; stopping cancels fn's context and waits for it to return.
func runEvery(lc fx.Lifecycle, first, period time.Duration, fn func(context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() {
				defer close(done)
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
