package throttle_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/test/fake"
)

var ctx = context.Background()

// countingClock is a stopped clock whose Sleep returns at once and counts the calls.
type countingClock struct {
	*fake.Clock
	sleeps atomic.Int32
}

func (c *countingClock) Sleep(ctx context.Context, _ time.Duration) error {
	c.sleeps.Add(1)
	return ctx.Err()
}

var cfg = throttle.Config{LoginMaxFailures: 2, LoginWindow: 15 * time.Minute, IPMaxFailures: 10, RegisterMaxPerIP: 1, RegisterWindow: time.Hour}

func newThrottle() (*throttle.Throttle, *fake.Attempts, *countingClock) {
	store := fake.NewAttempts()
	clk := &countingClock{Clock: fake.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	return throttle.New(store, clk, cfg), store, clk
}

func TestSettlingTwiceCountsOnce(t *testing.T) {
	t.Parallel()
	th, store, _ := newThrottle()
	tk, err := th.AdmitLogin(ctx, "a@example.com", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := tk.Settle(ctx, throttle.Failed); err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []string{"login/account/a@example.com", "login/ip/192.0.2.1"} {
		a, _ := store.Update(ctx, key, func(*throttle.Attempts) error { return nil })
		if a.Count != 1 || a.Pending != 0 {
			t.Errorf("%s after one attempt settled three times: %+v", key, a)
		}
	}
}

func TestAnAddressThatIsRefusedReleasesTheAccount(t *testing.T) {
	t.Parallel()
	th, store, _ := newThrottle()
	// The address is locked out; the account had admitted the attempt first.
	_, _ = store.Update(ctx, "login/ip/192.0.2.1", func(a *throttle.Attempts) error {
		*a = throttle.Attempts{Count: 10, First: time.Date(2026, 3, 1, 8, 59, 0, 0, time.UTC), Last: time.Date(2026, 3, 1, 8, 59, 30, 0, time.UTC)}
		return nil
	})
	if _, err := th.AdmitLogin(ctx, "a@example.com", "192.0.2.1"); !errors.Is(err, throttle.ErrThrottled) {
		t.Fatalf("admit from a locked-out address: %v", err)
	}
	a, _ := store.Update(ctx, "login/account/a@example.com", func(*throttle.Attempts) error { return nil })
	if a.Pending != 0 || a.Count != 0 {
		t.Errorf("the account kept %+v of an attempt that never happened", a)
	}
}

// Attempts beyond what the key has left wait through the Clock port, and stop waiting when the
// caller goes away.
func TestWaitingForAPlaceGoesThroughTheClock(t *testing.T) {
	t.Parallel()
	th, _, clk := newThrottle()
	for range cfg.LoginMaxFailures {
		if _, err := th.AdmitPassword(ctx, "a@example.com"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := th.AdmitPassword(ctx, "a@example.com")
	var te *throttle.ThrottledError
	if !errors.As(err, &te) || te.RetryAfter != time.Second {
		t.Fatalf("a third attempt with two in flight: %v, want a ThrottledError to retry in 1s", err)
	}
	if n := clk.sleeps.Load(); n < 100 {
		t.Errorf("the attempt waited %d times through the clock, want its whole queue wait of 3s", n)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := th.AdmitPassword(gone, "a@example.com"); !errors.Is(err, context.Canceled) {
		t.Errorf("a caller that left while waiting: %v, want context.Canceled", err)
	}
}

func TestRetentionOutlastsEveryWindowAndLockout(t *testing.T) {
	t.Parallel()
	if got, want := cfg.Retention(), 15*time.Minute+time.Hour; got != want {
		t.Errorf("Retention() = %s, want the login window plus the longest lockout, %s", got, want)
	}
	long := throttle.Config{LoginWindow: time.Minute, RegisterWindow: 24 * time.Hour}
	if got := long.Retention(); got != 24*time.Hour {
		t.Errorf("Retention() = %s, want the registration window, 24h", got)
	}
}
