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
	// Get returns key's counter, the zero value when there is none.
	Get(ctx context.Context, key string) (Attempts, error)
	// Add records one event at now and returns the new counter. When lapsed reports the stored
	// counter as over, counting restarts at 1. The read and the write are atomic per key.
	Add(ctx context.Context, key string, now time.Time, lapsed func(Attempts) bool) (Attempts, error)
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

// checkLogin refuses a login attempt while the account or the client address is locked out, and
// otherwise tells whether the account has failures to clear on success. It is keyed on the email
// whether or not an account has it, so a lockout reveals nothing.
func (t throttle) checkLogin(ctx context.Context, email, ip string, now time.Time) (bool, error) {
	limits := []struct {
		key string
		max int
	}{{accountKey(email), t.cfg.LoginMaxFailures}, {ipKey(ip), t.cfg.IPMaxFailures}}
	var wait time.Duration
	failures := false
	for i, l := range limits {
		if l.max <= 0 || (i == 1 && ip == "") {
			continue
		}
		a, err := t.store.Get(ctx, l.key)
		if err != nil {
			return false, fmt.Errorf("read login attempts: %w", err)
		}
		if until := a.Last.Add(lockout(a.Count, l.max)); now.Before(until) {
			wait = max(wait, until.Sub(now))
		}
		failures = failures || (i == 0 && a.Count > 0)
	}
	if wait > 0 {
		return false, &ThrottledError{RetryAfter: wait}
	}
	return failures, nil
}

// loginFailed counts a failed login against the account and the client address.
func (t throttle) loginFailed(ctx context.Context, email, ip string, now time.Time) error {
	if t.cfg.LoginMaxFailures > 0 {
		if err := t.add(ctx, accountKey(email), now, t.cfg.LoginMaxFailures); err != nil {
			return err
		}
	}
	if t.cfg.IPMaxFailures > 0 && ip != "" {
		return t.add(ctx, ipKey(ip), now, t.cfg.IPMaxFailures)
	}
	return nil
}

func (t throttle) add(ctx context.Context, key string, now time.Time, max int) error {
	_, err := t.store.Add(ctx, key, now, func(a Attempts) bool {
		// Failures stop being consecutive once a window has passed since the lockout they caused ended.
		return now.Sub(a.Last) > t.cfg.LoginWindow+lockout(a.Count, max)
	})
	if err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return nil
}

// loginSucceeded clears the account's failures; the address keeps its count, or an attacker could
// interleave logins to an account of their own.
func (t throttle) loginSucceeded(ctx context.Context, email string) error {
	if t.cfg.LoginMaxFailures <= 0 {
		return nil
	}
	if err := t.store.Reset(ctx, accountKey(email)); err != nil {
		return fmt.Errorf("reset login failures: %w", err)
	}
	return nil
}

// register counts a registration from ip, refusing it once the address used up its allowance.
func (t throttle) register(ctx context.Context, ip string, now time.Time) error {
	if t.cfg.RegisterMaxPerIP <= 0 || ip == "" {
		return nil
	}
	key := registerKey(ip)
	a, err := t.store.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("read registrations: %w", err)
	}
	end := a.First.Add(t.cfg.RegisterWindow)
	if a.Count >= t.cfg.RegisterMaxPerIP && now.Before(end) {
		return &ThrottledError{RetryAfter: end.Sub(now)}
	}
	_, err = t.store.Add(ctx, key, now, func(a Attempts) bool { return !now.Before(a.First.Add(t.cfg.RegisterWindow)) })
	if err != nil {
		return fmt.Errorf("record registration: %w", err)
	}
	return nil
}

// Next is the counter after one more event at now: stores call it inside their atomic update so
// every store counts the same way.
func Next(a Attempts, now time.Time, lapsed func(Attempts) bool) Attempts {
	if a.Count == 0 || lapsed(a) {
		return Attempts{Count: 1, First: now, Last: now}
	}
	a.Count++
	a.Last = now
	return a
}
