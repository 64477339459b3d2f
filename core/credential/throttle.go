package credential

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Attempts counts recent events (failed logins, registrations) under one key.
type Attempts struct {
	Count int
	First time.Time
	Last  time.Time
}

// AttemptStore keeps Attempts per key in storage every replica shares.
type AttemptStore interface {
	// Update replaces key's counter (the zero value when there is none) with change(counter) and
	// returns what it stored, atomically per key: concurrent updates all count. change must be a
	// pure function of its argument, since a store may call it more than once.
	Update(ctx context.Context, key string, change func(Attempts) Attempts) (Attempts, error)
	// Reset forgets key.
	Reset(ctx context.Context, key string) error
}

// ThrottleConfig sets the limits; a zero maximum switches that limit off.
type ThrottleConfig struct {
	LoginMaxFailures int           // consecutive failures per account before lockouts start
	LoginWindow      time.Duration // failures further apart than this don't count as consecutive
	IPMaxFailures    int           // failed logins per client address before lockouts start
	RegisterMaxPerIP int           // registrations per client address per RegisterWindow
	RegisterWindow   time.Duration
}

// Lockouts start at firstLockout and double with every further failure, up to maxLockout. At most
// a few dozen guesses per account fit in an hour, well under NIST SP 800-63B's limit of 100.
const (
	firstLockout = time.Minute
	maxLockout   = time.Hour
)

// ErrThrottled is what every ThrottledError matches with errors.Is.
var ErrThrottled = errors.New("too many attempts")

// ThrottledError says the caller must wait RetryAfter before trying again.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many attempts; retry after %s", e.RetryAfter)
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// throttle applies ThrottleConfig over an AttemptStore.
type throttle struct {
	store AttemptStore
	cfg   ThrottleConfig
}

// lockout is how long a key with a failures and limit max stays locked after its last failure.
func lockout(failures, max int) time.Duration {
	if max <= 0 || failures < max {
		return 0
	}
	shift := failures - max
	if shift > 10 {
		return maxLockout
	}
	return min(firstLockout*time.Duration(math.Pow(2, float64(shift))), maxLockout)
}

func accountKey(email string) string { return "login/account/" + email }
func ipKey(ip string) string         { return "login/ip/" + ip }
func registerKey(ip string) string   { return "register/ip/" + ip }

// reserve counts an attempt under key before it is made, unless the key is locked out: counting
// first, in one atomic update, is what stops a burst of parallel guesses from all slipping in
// before any of them is recorded. It returns how long the caller must wait when locked out.
func (t throttle) reserve(ctx context.Context, key string, max int, window time.Duration, now time.Time) (time.Duration, error) {
	var wait time.Duration
	_, err := t.store.Update(ctx, key, func(a Attempts) Attempts {
		wait = 0
		if now.Sub(a.Last) > window+lockout(a.Count, max) {
			a = Attempts{} // the earlier attempts are no longer consecutive
		}
		if d := lockout(a.Count, max); d > 0 && now.Before(a.Last.Add(d)) {
			wait = a.Last.Add(d).Sub(now)
			return a
		}
		if a.Count == 0 {
			a.First = now
		}
		a.Count++
		// Concurrent requests read the clock in any order; the counter only moves forward.
		if now.After(a.Last) {
			a.Last = now
		}
		return a
	})
	if err != nil {
		return 0, fmt.Errorf("count attempt: %w", err)
	}
	return wait, nil
}

// release takes back an attempt reserve counted, for a key a success does not reset.
func (t throttle) release(ctx context.Context, key string) error {
	_, err := t.store.Update(ctx, key, func(a Attempts) Attempts {
		a.Count = max(a.Count-1, 0)
		return a
	})
	if err != nil {
		return fmt.Errorf("release attempt: %w", err)
	}
	return nil
}

// loginAttempt counts a login attempt against the account and the client address, or refuses it
// while either is locked out. It is keyed on the email whether or not an account has it, so a
// lockout reveals nothing. A failure needs no report afterwards, since it was counted up front;
// a success is reported with loginSucceeded.
func (t throttle) loginAttempt(ctx context.Context, email, ip string, now time.Time) error {
	var wait time.Duration
	if t.cfg.LoginMaxFailures > 0 {
		w, err := t.reserve(ctx, accountKey(email), t.cfg.LoginMaxFailures, t.cfg.LoginWindow, now)
		if err != nil {
			return err
		}
		wait = w
	}
	if t.cfg.IPMaxFailures > 0 && ip != "" && wait == 0 {
		w, err := t.reserve(ctx, ipKey(ip), t.cfg.IPMaxFailures, t.cfg.LoginWindow, now)
		if err != nil {
			return err
		}
		if w > 0 && t.cfg.LoginMaxFailures > 0 {
			// The account's count went up for an attempt that is not going to happen.
			if err := t.release(ctx, accountKey(email)); err != nil {
				return err
			}
		}
		wait = w
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// passwordAttempt counts a check of the current password (change-password) against the account.
func (t throttle) passwordAttempt(ctx context.Context, email string, now time.Time) error {
	if t.cfg.LoginMaxFailures <= 0 {
		return nil
	}
	wait, err := t.reserve(ctx, accountKey(email), t.cfg.LoginMaxFailures, t.cfg.LoginWindow, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// loginSucceeded clears the account's failures and takes back the address's count for this
// attempt; the address keeps its earlier failures, or an attacker could interleave logins to an
// account of their own.
func (t throttle) loginSucceeded(ctx context.Context, email, ip string) error {
	if t.cfg.LoginMaxFailures > 0 {
		if err := t.store.Reset(ctx, accountKey(email)); err != nil {
			return fmt.Errorf("reset login failures: %w", err)
		}
	}
	if t.cfg.IPMaxFailures > 0 && ip != "" {
		return t.release(ctx, ipKey(ip))
	}
	return nil
}

// register counts a registration from ip, refusing it once the address used up its allowance.
func (t throttle) register(ctx context.Context, ip string, now time.Time) error {
	if t.cfg.RegisterMaxPerIP <= 0 || ip == "" {
		return nil
	}
	var wait time.Duration
	_, err := t.store.Update(ctx, registerKey(ip), func(a Attempts) Attempts {
		wait = 0
		end := a.First.Add(t.cfg.RegisterWindow)
		if !now.Before(end) {
			a = Attempts{First: now}
			end = now.Add(t.cfg.RegisterWindow)
		}
		if a.Count >= t.cfg.RegisterMaxPerIP {
			wait = end.Sub(now)
			return a
		}
		a.Count++
		a.Last = now
		return a
	})
	if err != nil {
		return fmt.Errorf("count registration: %w", err)
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}
