package mongostore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/authd/authd/core/storage"
)

// DefaultRetryBudget bounds how long one write keeps retrying when Config.RetryBudget is zero.
const DefaultRetryBudget = 5 * time.Second

// Pauses between tries grow from firstPause to maxPause: a lost compare-and-swap means another
// writer just won, so the next try usually succeeds at once, and only a hot key needs longer.
const (
	firstPause = time.Millisecond
	maxPause   = 64 * time.Millisecond
)

// retry is the one retry policy of every store: a write that lost to another writer tries again
// on what that writer left, for as long as the budget allows. The budget is measured on this
// process's monotonic clock only.
type retry struct{ budget time.Duration }

// do calls try until it reports done or fails, pausing with jitter in between, so that writers
// that collided don't collide again in step. Running out of budget is storage.ErrUnavailable:
// a key contended that long is under attack, and "busy, retry later" is the safe answer.
func (r retry) do(ctx context.Context, op string, try func() (done bool, err error)) error {
	deadline := time.Now().Add(r.budget)
	for pause := firstPause; ; pause = min(2*pause, maxPause) {
		done, err := try()
		if done || err != nil {
			return err
		}
		wait := pause/2 + rand.N(pause)
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("mongostore: %s: other writers kept winning for %s: %w", op, r.budget, storage.ErrUnavailable)
		}
		if err := sleep(ctx, wait); err != nil {
			return translate(op, err)
		}
	}
}

// sleep waits for d, or returns ctx's error if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
