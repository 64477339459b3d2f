package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authd/authd/test/load"
)

// stepResult is a load.Result with what the processes spent on it.
type stepResult struct {
	load.Result
	cpu, dbCPU, genCPU time.Duration
	// other is CPU time the rest of the machine used meanwhile: other work, or steal by the host.
	other   time.Duration
	heapMax uint64 // bytes; 0 when unknown
	rssMax  uint64 // bytes of the service's resident anonymous memory, heap or not; 0 when unknown
	// mail is what the service's courier did for the step, in it and until its outbox was empty.
	mail drained
}

// otherCores is how many cores other work took on average during the step.
func (s stepResult) otherCores() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return max(0, s.other.Seconds()/s.Elapsed.Seconds())
}

// perK is CPU seconds per 1000 requests.
func perK(d time.Duration, requests int) float64 {
	if requests == 0 {
		return 0
	}
	return d.Seconds() * 1000 / float64(requests)
}

// measure runs p and reads, around it, the CPU time target, the database and this process used,
// and polls target's Go heap and resident memory while it runs.
func (b *bench) measure(ctx context.Context, p load.Plan, target *process) (stepResult, error) {
	var before, after [4]time.Duration
	b.cpuTimes(target, &before)
	var heapMax, rssMax atomic.Uint64
	pollCtx, stopPolling := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if target.debug != "" {
		wg.Go(func() {
			client := &http.Client{Timeout: time.Second}
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				if h, err := heapInuse(client, target.debug); err == nil && h > heapMax.Load() {
					heapMax.Store(h)
				}
				if r, err := residentOf(target.cmd.Process.Pid); err == nil && r > rssMax.Load() {
					rssMax.Store(r)
				}
				select {
				case <-pollCtx.Done():
					return
				case <-t.C:
				}
			}
		})
		if b.opts.profileDir != "" {
			path := filepath.Join(b.opts.profileDir, slug(p.Name)+".pprof")
			wg.Go(func() {
				if err := saveProfile(ctx, target.debug, max(1, int(p.Duration.Seconds())), path); err != nil {
					progress("profile %s: %v", p.Name, err)
				}
			})
		}
	}
	res, err := load.Run(ctx, p)
	b.cpuTimes(target, &after)
	stopPolling()
	wg.Wait()
	r := stepResult{Result: res, cpu: after[0] - before[0], dbCPU: after[1] - before[1], genCPU: after[2] - before[2], heapMax: heapMax.Load(), rssMax: rssMax.Load()}
	r.other = after[3] - before[3] - r.cpu - r.dbCPU - r.genCPU
	return r, err
}

// quietCores is how much other work may run before a measurement without it waiting.
const quietCores = 0.2

// settle waits, up to -settle, until other work on the machine takes less than quietCores, so that a
// shared machine's neighbours disturb the figures as little as possible; ours are idle meanwhile.
func (b *bench) settle(ctx context.Context, ours ...*process) {
	deadline := time.Now().Add(b.opts.settle)
	waited := false
	for {
		busy0, _ := machineBusy()
		own0 := b.ownCPU(ours)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		busy1, _ := machineBusy()
		other := (busy1 - busy0 - (b.ownCPU(ours) - own0)).Seconds()
		if other < quietCores {
			if waited {
				progress("machine quiet again")
			}
			return
		}
		if time.Now().After(deadline) {
			progress("other work still takes %.2f cores; measuring anyway", other)
			return
		}
		if !waited {
			progress("other work takes %.2f cores; waiting up to %s for it to pass", other, b.opts.settle)
			waited = true
		}
	}
}

func (b *bench) ownCPU(ours []*process) time.Duration {
	total, _ := cpuOf("self")
	for _, p := range append(ours, b.dbProc) {
		if p != nil {
			c, _ := p.cpu()
			total += c
		}
	}
	return total
}

// cpuTimes reads the CPU time of the target, the database process (if any), this process and the
// whole machine.
func (b *bench) cpuTimes(target *process, into *[4]time.Duration) {
	into[0], _ = target.cpu()
	if b.dbProc != nil {
		into[1], _ = b.dbProc.cpu()
	}
	into[2], _ = cpuOf("self")
	into[3], _ = machineBusy()
}

// slug turns a step name into a file name: "GET /users/{id}" becomes "GET-users-id".
func slug(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9')
	})
	return strings.Join(words, "-")
}
