package steps

import (
	"context"
	"fmt"
	"net/http"
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
	// Every request is sent by now; argon2id keeps the later ones waiting on the server.
	time.Sleep(150 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code, err := c.Terminate(ctx, w.replica)
	wg.Wait()
	if err != nil {
		return err
	}
	w.inflight.exitCode = code
	if err := c.Start(ctx, w.replica); err != nil {
		return err
	}
	return w.useReplica(w.replica)
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
			return fmt.Errorf("request %d of %d got no answer: %w", i+1, len(w.inflight.errs), err)
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
