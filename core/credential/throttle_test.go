package credential_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/test/contract"
	"github.com/authd/authd/test/fake"
)

func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	var te *throttle.ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, throttle.ErrThrottled) {
		t.Fatalf("got %v, want a ThrottledError", err)
	}
	return te.RetryAfter
}

func TestAccountLockoutAndReset(t *testing.T) {
	t.Parallel()
	for _, email := range []string{"a@example.com", "nobody@example.com"} {
		t.Run(email, func(t *testing.T) {
			e := newEnv(t)
			e.register(t, "a@example.com")
			for i := range 5 {
				if _, _, err := e.svc.Login(ctx, email, "WrongPass123!", credential.Client{ThrottleKey: fmt.Sprintf("192.0.2.%d", i)}); !errors.Is(err, credential.ErrInvalidCredentials) {
					t.Fatalf("failure %d: %v", i+1, err)
				}
			}
			// Locked even with the right password, and whether or not the account exists.
			_, _, err := e.svc.Login(ctx, email, pw, credential.Client{ThrottleKey: "192.0.2.99"})
			if d := retryAfter(t, err); d != time.Minute {
				t.Fatalf("first lockout %s, want 1m", d)
			}
			if _, _, err := e.svc.Login(ctx, "b@example.com", pw, credential.Client{ThrottleKey: "192.0.2.99"}); errors.Is(err, throttle.ErrThrottled) {
				t.Fatal("another account was locked out")
			}
		})
	}

	e := newEnv(t)
	e.register(t, "a@example.com")
	for range 5 {
		_, _, _ = e.svc.Login(ctx, "a@example.com", "WrongPass123!", credential.Client{ThrottleKey: "192.0.2.1"})
	}
	e.clock.Advance(time.Minute)
	if _, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"}); err != nil {
		t.Fatalf("login after the lockout: %v", err)
	}
	// The success reset the account: four more failures don't lock it.
	for range 4 {
		_, _, _ = e.svc.Login(ctx, "a@example.com", "WrongPass123!", credential.Client{ThrottleKey: "192.0.2.1"})
	}
	if _, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"}); err != nil {
		t.Fatalf("locked after a reset and 4 failures: %v", err)
	}
}

func TestLockoutGrowsAndCapsUnderNISTLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	start := e.clock.Now()
	failures := 0
	var lockouts []time.Duration
	// An attacker who tries again the moment each lockout ends, for five hours.
	for e.clock.Now().Sub(start) < 5*time.Hour {
		_, _, err := e.svc.Login(ctx, "a@example.com", "WrongPass123!", credential.Client{ThrottleKey: "192.0.2.1"})
		var te *throttle.ThrottledError
		if errors.As(err, &te) {
			lockouts = append(lockouts, te.RetryAfter)
			e.clock.Advance(te.RetryAfter)
			continue
		}
		if !errors.Is(err, credential.ErrInvalidCredentials) {
			t.Fatalf("unexpected %v", err)
		}
		failures++
		if hour := e.clock.Now().Sub(start); hour <= time.Hour && failures > 100 {
			t.Fatalf("%d failures within the first hour", failures)
		}
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if i >= len(lockouts) || lockouts[i] != w {
			t.Fatalf("lockouts %v, want them to start %v", lockouts, want)
		}
	}
	if failures > 20 {
		t.Errorf("%d failures in five hours; the cap let too many through", failures)
	}
}

func TestIPLockoutSpansAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "victim@example.com")
	for i := range throttleConfig.IPMaxFailures {
		_, _, _ = e.svc.Login(ctx, fmt.Sprintf("user%d@example.com", i), "WrongPass123!", credential.Client{ThrottleKey: "203.0.113.9"})
	}
	_, _, err := e.svc.Login(ctx, "victim@example.com", pw, credential.Client{ThrottleKey: "203.0.113.9"})
	retryAfter(t, err)
	if _, _, err := e.svc.Login(ctx, "victim@example.com", pw, credential.Client{ThrottleKey: "203.0.113.10"}); err != nil {
		t.Fatalf("another address was locked out: %v", err)
	}
}

func TestThrottlingDisabledByZero(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.deps()
	d.Throttle = throttle.New(e.attempts, e.clock, throttle.Config{})
	svc := credential.NewService(d)
	for range 10 {
		if _, _, err := svc.Login(ctx, "x@example.com", "WrongPass123!", credential.Client{ThrottleKey: "192.0.2.1"}); !errors.Is(err, credential.ErrInvalidCredentials) {
			t.Fatalf("throttled with limits off: %v", err)
		}
	}
}

func TestRegistrationPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reg := func(i int, ip string) error {
		_, err := e.svc.Register(ctx, credential.Registration{
			Email: fmt.Sprintf("r%d@example.com", i), Password: pw, ConfirmPassword: pw, FirstName: "R", LastName: "R", ClientIP: ip,
		})
		return err
	}
	for i := range throttleConfig.RegisterMaxPerIP {
		if err := reg(i, "198.51.100.1"); err != nil {
			t.Fatalf("registration %d: %v", i+1, err)
		}
	}
	if d := retryAfter(t, reg(10, "198.51.100.1")); d != time.Hour {
		t.Errorf("retry after %s, want the rest of the hour", d)
	}
	if err := reg(11, "198.51.100.2"); err != nil {
		t.Fatalf("another address was throttled: %v", err)
	}
	e.clock.Advance(time.Hour)
	if err := reg(12, "198.51.100.1"); err != nil {
		t.Fatalf("still throttled after the window: %v", err)
	}
}

func TestParallelGuessesAreAllCounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	const n = 40
	var wg sync.WaitGroup
	var throttled, wrong atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := e.svc.Login(ctx, "a@example.com", "WrongPass123!", credential.Client{ThrottleKey: fmt.Sprintf("192.0.2.%d", i)})
			switch {
			case errors.Is(err, throttle.ErrThrottled):
				throttled.Add(1)
			case errors.Is(err, credential.ErrInvalidCredentials):
				wrong.Add(1)
			default:
				t.Errorf("unexpected %v", err)
			}
		}()
	}
	wg.Wait()
	if wrong.Load() != int32(throttleConfig.LoginMaxFailures) || throttled.Load() != n-int32(throttleConfig.LoginMaxFailures) {
		t.Fatalf("%d guesses checked, %d throttled; want exactly %d checked", wrong.Load(), throttled.Load(), throttleConfig.LoginMaxFailures)
	}
}

func TestParallelRegistrationsAreAllCounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 12
	created, _ := contract.Race(t, n, throttle.ErrThrottled, func(i int) error {
		_, err := e.svc.Register(ctx, credential.Registration{
			Email: fmt.Sprintf("p%d@example.com", i), Password: pw, ConfirmPassword: pw, FirstName: "P", LastName: "P", ClientIP: "198.51.100.3",
		})
		return err
	})
	if created != throttleConfig.RegisterMaxPerIP {
		t.Fatalf("%d registrations accepted in parallel, limit %d", created, throttleConfig.RegisterMaxPerIP)
	}
}

func TestChangePasswordGuessesCountTowardsTheLockout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	_, p := e.login(t, "a@example.com")
	for i := range throttleConfig.LoginMaxFailures {
		err := e.svc.ChangePassword(ctx, p, credential.PasswordChange{Current: "Wrong" + pw, New: "NewSecure1!", Confirm: "NewSecure1!"})
		if !errors.Is(err, credential.ErrWrongPassword) {
			t.Fatalf("guess %d: %v", i+1, err)
		}
	}
	err := e.svc.ChangePassword(ctx, p, credential.PasswordChange{Current: pw, New: "NewSecure1!", Confirm: "NewSecure1!"})
	retryAfter(t, err)
	if _, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.50"}); !errors.Is(err, throttle.ErrThrottled) {
		t.Errorf("login during a lockout earned by change-password guesses: %v", err)
	}
}

func TestAnEarlierClockIsNotALockout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	// A concurrent request on another replica, whose clock runs a little ahead, counted a failure.
	later := e.clock.Now().Add(time.Second)
	if _, err := e.attempts.Update(ctx, "login/account/a@example.com", func(a *throttle.Attempts) error {
		*a = throttle.Attempts{Count: 1, First: later, Last: later}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"}); err != nil {
		t.Fatalf("one failure below the limit locked the account: %v", err)
	}
}

// slowHasher makes each check take a while, so that parallel attempts overlap.
type slowHasher struct{ *fake.Hasher }

func (h slowHasher) Verify(ctx context.Context, hash, pw string) (bool, bool, error) {
	time.Sleep(5 * time.Millisecond)
	return h.Hasher.Verify(ctx, hash, pw)
}

func TestParallelRightPasswordsAllGetThrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register(t, "a@example.com")
	d := e.deps()
	d.Hasher = slowHasher{e.hasher}
	svc := credential.NewService(d)
	const n = 30
	var wg sync.WaitGroup
	var ok atomic.Int32
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := svc.Login(ctx, "a@example.com", pw, credential.Client{ThrottleKey: "192.0.2.1"}); err != nil {
				t.Errorf("parallel login with the right password: %v", err)
				return
			}
			ok.Add(1)
		}()
	}
	wg.Wait()
	if ok.Load() != n {
		t.Fatalf("%d of %d parallel logins succeeded", ok.Load(), n)
	}
}
