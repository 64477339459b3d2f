// Package load drives authd's HTTP API from a fixed number of concurrent clients, each step bounded
// in time and in requests, and measures throughput and latency. test/bench turns its results into
// the benchmark table; its smoke test runs every step against an in-process service.
package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrExhausted is what an Op returns when its worker has nothing left to send, such as a pool of
// one-use sessions that ran out; the worker stops and the call is not counted.
var ErrExhausted = errors.New("load: worker exhausted")

// Op sends one request and checks its answer.
type Op func(ctx context.Context) error

// Plan is one step: Concurrency workers repeat their Op until Duration has passed or Requests have
// been sent in total, whichever comes first.
type Plan struct {
	Name        string
	Concurrency int
	Duration    time.Duration
	Requests    int
	// NewWorker returns the Op of worker i, holding that worker's own state (tokens, passwords).
	NewWorker func(i int) (Op, error)
}

// Result is what one step measured.
type Result struct {
	Name        string
	Concurrency int
	Requests    int // answered, with or without error
	Errors      int
	Elapsed     time.Duration
	P50, P99    time.Duration
	// Samples are the first few distinct error messages, to tell what went wrong.
	Samples []string
}

// Rate is the answered requests per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

const maxSamples = 3

// Run carries out p. Requests in flight when the time is up are waited for, not cancelled, so the
// deadline never turns into errors; ctx cancels everything.
func Run(ctx context.Context, p Plan) (Result, error) {
	if p.Concurrency < 1 || p.Duration <= 0 || p.Requests < 1 {
		return Result{}, fmt.Errorf("load: %s: concurrency, duration and requests must be positive", p.Name)
	}
	ops := make([]Op, p.Concurrency)
	for i := range ops {
		op, err := p.NewWorker(i)
		if err != nil {
			return Result{}, fmt.Errorf("load: %s: worker %d: %w", p.Name, i, err)
		}
		ops[i] = op
	}
	var (
		budget  atomic.Int64
		mu      sync.Mutex
		all     []time.Duration
		errs    int
		samples []string
		wg      sync.WaitGroup
	)
	budget.Store(int64(p.Requests))
	perWorker := min(p.Requests/p.Concurrency+1, 1<<16)
	start := time.Now()
	deadline := start.Add(p.Duration)
	for _, op := range ops {
		wg.Go(func() {
			lat := make([]time.Duration, 0, perWorker)
			var failed int
			var seen []string
			for ctx.Err() == nil && time.Now().Before(deadline) && budget.Add(-1) >= 0 {
				t0 := time.Now()
				err := op(ctx)
				if errors.Is(err, ErrExhausted) {
					break
				}
				lat = append(lat, time.Since(t0))
				if err != nil {
					failed++
					if msg := err.Error(); len(seen) < maxSamples && !slices.Contains(seen, msg) {
						seen = append(seen, msg)
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			errs += failed
			for _, msg := range seen {
				if len(samples) < maxSamples && !slices.Contains(samples, msg) {
					samples = append(samples, msg)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	slices.Sort(all)
	return Result{
		Name: p.Name, Concurrency: p.Concurrency, Requests: len(all), Errors: errs, Elapsed: elapsed,
		P50: percentile(all, 0.50), P99: percentile(all, 0.99), Samples: samples,
	}, nil
}

// percentile is the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}
