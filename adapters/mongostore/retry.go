package mongostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/authd/authd/adapters/clock"
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
//
// Writers of one document in this process also take turns, so that a burst on one key (parallel
// logins to an account, registrations from one address) costs each writer one read and one write
// instead of a herd of compare-and-swaps that all but one lose. That is for throughput only:
// correctness rests on the compare-and-swap, which is all that orders writers of other replicas.
type retry struct {
	budget time.Duration
	turns  *turns
}

func newRetry(budget time.Duration) retry {
	if budget <= 0 {
		budget = DefaultRetryBudget
	}
	return retry{budget: budget, turns: &turns{queues: map[string]*queue{}}}
}

// do calls try until it reports done or fails, for the writer of key (a collection and an _id),
// pausing with jitter in between so that writers that collided don't collide again in step.
// Running out of budget is storage.ErrUnavailable, wrapping exhausted too where the port names an
// error of its own for it (user.ErrConflict): a key contended that long is under attack, and
// "busy, retry later" is the safe answer.
func (r retry) do(ctx context.Context, key, op string, exhausted error, try func() (done bool, err error)) error {
	deadline := time.Now().Add(r.budget)
	leave, err := r.turns.wait(ctx, key, deadline)
	switch {
	case errors.Is(err, errNoTurn):
		return r.busy(op, exhausted)
	case err != nil:
		return fail(op, err)
	}
	defer leave()
	for pause := firstPause; ; pause = min(2*pause, maxPause) {
		done, err := try()
		if done || err != nil {
			return err
		}
		wait := pause/2 + rand.N(pause)
		if time.Now().Add(wait).After(deadline) {
			return r.busy(op, exhausted)
		}
		if err := (clock.System{}).Sleep(ctx, wait); err != nil {
			return fail(op, err)
		}
	}
}

func (r retry) busy(op string, exhausted error) error {
	if exhausted != nil {
		return fmt.Errorf("mongostore: %s: other writers kept the key for %s: %w: %w", op, r.budget, exhausted, storage.ErrUnavailable)
	}
	return fmt.Errorf("mongostore: %s: other writers kept the key for %s: %w", op, r.budget, storage.ErrUnavailable)
}

// errNoTurn says the deadline passed while other writers in this process held the key.
var errNoTurn = errors.New("no turn before the deadline")

// turns queues this process's writers per key; a key's queue exists only while someone uses it.
type turns struct {
	mu     sync.Mutex
	queues map[string]*queue
}

type queue struct {
	slot  chan struct{} // holds a token while a writer has its turn
	users int
}

// wait blocks until the caller's turn on key, ctx's end or deadline, and returns how to leave.
func (t *turns) wait(ctx context.Context, key string, deadline time.Time) (leave func(), err error) {
	t.mu.Lock()
	q := t.queues[key]
	if q == nil {
		q = &queue{slot: make(chan struct{}, 1)}
		t.queues[key] = q
	}
	q.users++
	t.mu.Unlock()
	done := func() {
		t.mu.Lock()
		if q.users--; q.users == 0 {
			delete(t.queues, key)
		}
		t.mu.Unlock()
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case q.slot <- struct{}{}:
		return func() { <-q.slot; done() }, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	case <-timer.C:
		done()
		return nil, errNoTurn
	}
}
