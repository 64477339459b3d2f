package steps

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authd/authd/test/workload"
)

// inflight is what the SIGTERM step saw: one status (or error) per request, and the exit code.
type inflight struct {
	statuses []int
	errs     []error
	exitCode int
	drain    time.Duration // from the signal to the exit
	log      string        // the end of the replica's log after it exited
}

// sigtermInFlight starts n logins, sends SIGTERM while they are being served, and waits for both
// the answers and the process's exit; then it starts the replica again for the scenarios after.
func (w *world) sigtermInFlight(n int) error {
	c, err := w.cluster()
	if err != nil {
		return err
	}
	email, password := w.someUser()
	if email == "" {
		return fmt.Errorf("register a user first")
	}
	body, err := w.expand(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	before, err := w.scrapeLogins(ctx)
	if err != nil {
		return err
	}
	w.inflight = inflight{statuses: make([]int, n), errs: make([]error, n)}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One connection each, as n separate clients would have.
			client := &http.Client{Timeout: 30 * time.Second, Transport: validating{&http.Transport{DisableKeepAlives: true}}}
			req, _ := http.NewRequest(http.MethodPost, w.base+"/api/v1/auth/login", stringsReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", w.ip)
			resp, err := client.Do(req)
			if err != nil {
				w.inflight.errs[i] = err
				return
			}
			resp.Body.Close()
			w.inflight.statuses[i] = resp.StatusCode
		}()
	}
	// A request is in flight once the service has begun it; one still in the listen queue or in
	// Docker's port proxy when the listener closes is refused, as it should be, not lost. So the
	// signal goes once the service has begun all n, and only if some are still being served.
	now, err := w.awaitBegun(ctx, before, n)
	if err == nil && now.serving == 0 {
		err = fmt.Errorf("all %d logins were answered before SIGTERM could be sent: nothing was in flight", n)
	}
	if err != nil {
		wg.Wait()
		return err
	}
	signalled := time.Now()
	code, err := c.Terminate(ctx, w.replica)
	w.inflight.drain = time.Since(signalled)
	wg.Wait()
	if err != nil {
		return err
	}
	w.inflight.exitCode = code
	w.inflight.log, _ = c.Logs(ctx, w.replica, 12)
	if err := c.Start(ctx, w.replica); err != nil {
		return err
	}
	return w.useReplica(w.replica)
}

// loginLoad is what a replica's metrics say about its logins: how many it is serving now and how
// many it has answered since it started.
type loginLoad struct{ serving, answered int }

// scrapeLogins reads the replica's /metrics. The scrape is itself a request in flight, so it is
// not counted as serving.
func (w *world) scrapeLogins(ctx context.Context) (loginLoad, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.base+"/metrics", nil)
	if err != nil {
		return loginLoad{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return loginLoad{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return loginLoad{}, err
	}
	var l loginLoad
	for line := range strings.Lines(string(body)) {
		name, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		n, _ := strconv.Atoi(value)
		switch {
		case name == "authd_http_requests_in_flight":
			l.serving = n - 1
		case strings.HasPrefix(name, "authd_http_requests_total{") && strings.Contains(name, `route="/api/v1/auth/login"`):
			l.answered += n
		}
	}
	return l, nil
}

// awaitBegun waits, for at most 20 seconds, until the replica has begun n logins more than it had
// answered at before: those it is serving plus those it has answered since.
func (w *world) awaitBegun(ctx context.Context, before loginLoad, n int) (loginLoad, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var now loginLoad
	for {
		if l, err := w.scrapeLogins(ctx); err == nil {
			now = l
			if now.serving+now.answered-before.answered >= n {
				return now, nil
			}
		}
		select {
		case <-ctx.Done():
			return now, fmt.Errorf("the service began %d of %d logins in 20s", now.serving+now.answered-before.answered, n)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (w *world) someUser() (string, string) {
	for e, p := range w.passwords {
		return e, p
	}
	return "", ""
}

func (w *world) inFlightCompleted() error {
	for i, err := range w.inflight.errs {
		if err != nil {
			return fmt.Errorf("request %d of %d got no answer: %w (exit code %d after a drain of %s; the replica's log ends:\n%s)",
				i+1, len(w.inflight.errs), err, w.inflight.exitCode, w.inflight.drain.Round(time.Millisecond), w.inflight.log)
		}
		if s := w.inflight.statuses[i]; s != http.StatusOK {
			return fmt.Errorf("request %d answered %d, want 200", i+1, s)
		}
	}
	return nil
}

func (w *world) exitedWith(code int) error {
	if w.inflight.exitCode != code {
		return fmt.Errorf("exit code %d, want %d", w.inflight.exitCode, code)
	}
	return nil
}

func (w *world) crashWorkload(kills int) error {
	c, err := w.cluster()
	if err != nil {
		return err
	}
	ledger := workload.NewLedger()
	w.crash = ledger
	var base atomic.Value
	base.Store(w.base)
	stop := ledger.Drive(4, func() string { return base.Load().(string) }, func(n int64) string {
		email, _ := w.expand(fmt.Sprintf("crash%d@example.com", n))
		return email
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i := range kills {
		// Kill at a different moment of the workload each time.
		time.Sleep(time.Duration(700+400*i) * time.Millisecond)
		if err := c.Kill(ctx, w.replica); err != nil {
			stop()
			return err
		}
		url, err := c.URL(ctx, w.replica)
		if err != nil {
			stop()
			return err
		}
		base.Store(url)
	}
	time.Sleep(time.Second)
	stop()
	return w.useReplica(w.replica)
}

func (w *world) acknowledgedSurvive() error {
	if w.crash == nil {
		return fmt.Errorf("no crash workload ran")
	}
	return w.crash.Verify(w.base)
}
