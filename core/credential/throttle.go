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
	Count    int       // confirmed failures, or registrations
	First    time.Time // of the events Count counts
	Last     time.Time
	Pending  int       // attempts admitted whose outcome is not known yet
	Reserved time.Time // when the latest pending attempt was admitted
}

// AttemptStore keeps Attempts per key in storage every replica shares.
type AttemptStore interface {
	// Update replaces key's counter (the zero value when there is none) with change(counter) and
	// returns what it stored, atomically per key: concurrent updates all count. change must be a
	// pure function of its argument, since a store may call it more than once.
	Update(ctx context.Context, key string, change func(Attempts) Attempts) (Attempts, error)
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

// An attempt is counted in (Pending) before its password is checked and settled after, so a burst
// of parallel guesses can never have more in flight than the account has guesses left. Attempts
// beyond that wait for the ones in flight instead of failing: parallel logins with the right
// password all get through, parallel guesses stop at the limit.
const (
	// pendingTimeout forgets attempts whose outcome never arrived (a crashed replica).
	pendingTimeout = 30 * time.Second
	// queueWait bounds how long an attempt waits for a place; then it is told to retry shortly.
	queueWait  = 3 * time.Second
	queuePause = 20 * time.Millisecond
	busyRetry  = time.Second
)

// errBusy says every guess the key has left is already under way.
var errBusy = errors.New("attempts in flight")

// admit counts an attempt in under key, unless the key is locked out (a ThrottledError) or as many
// attempts as it has left are under way (errBusy).
func (t throttle) admit(ctx context.Context, key string, limit int, window time.Duration, now time.Time) error {
	var wait time.Duration
	var busy bool
	_, err := t.store.Update(ctx, key, func(a Attempts) Attempts {
		wait, busy = 0, false
		if now.Sub(a.Reserved) > pendingTimeout {
			a.Pending = 0
		}
		if a.Count > 0 && now.Sub(a.Last) > window+lockout(a.Count, limit) {
			a.Count, a.First, a.Last = 0, time.Time{}, time.Time{} // no longer consecutive
		}
		if d := lockout(a.Count, limit); d > 0 && now.Before(a.Last.Add(d)) {
			wait = a.Last.Add(d).Sub(now)
			return a
		}
		// Below the limit the account has max-Count guesses left; past a lockout, one at a time.
		if a.Pending >= max(limit-a.Count, 1) {
			busy = true
			return a
		}
		a.Pending++
		if now.After(a.Reserved) {
			a.Reserved = now
		}
		return a
	})
	switch {
	case err != nil:
		return fmt.Errorf("count attempt: %w", err)
	case wait > 0:
		return &ThrottledError{RetryAfter: wait}
	case busy:
		return errBusy
	}
	return nil
}

// admitWaiting is admit that waits, up to queueWait, for attempts in flight to settle.
func (t throttle) admitWaiting(ctx context.Context, key string, max int, window time.Duration, now func() time.Time) error {
	for waited := time.Duration(0); ; waited += queuePause {
		err := t.admit(ctx, key, max, window, now())
		if !errors.Is(err, errBusy) {
			return err
		}
		if waited >= queueWait {
			return &ThrottledError{RetryAfter: busyRetry}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(queuePause):
		}
	}
}

// settle records the outcome of an admitted attempt: a failure counts towards the lockout, a
// success on an account clears its failures.
func (t throttle) settle(ctx context.Context, key string, outcome outcome, now time.Time) error {
	_, err := t.store.Update(ctx, key, func(a Attempts) Attempts {
		a.Pending = max(a.Pending-1, 0)
		switch outcome {
		case failed:
			if a.Count == 0 {
				a.First = now
			}
			a.Count++
			if now.After(a.Last) {
				a.Last = now
			}
		case succeededClears:
			a.Count, a.First, a.Last = 0, time.Time{}, time.Time{}
		}
		return a
	})
	if err != nil {
		return fmt.Errorf("settle attempt: %w", err)
	}
	return nil
}

type outcome int

const (
	undecided       outcome = iota // the check itself failed (storage error): count nothing
	failed                         // wrong password
	succeeded                      // right password: the address keeps its earlier failures
	succeededClears                // right password: the account's failures are forgiven
)

// loginAttempt admits a login attempt against the account and the client address. It is keyed on
// the email whether or not an account has it, so a lockout reveals nothing. Every admitted attempt
// must be settled with loginSettled.
func (t throttle) loginAttempt(ctx context.Context, email, ip string, now func() time.Time) error {
	if t.cfg.LoginMaxFailures > 0 {
		if err := t.admitWaiting(ctx, accountKey(email), t.cfg.LoginMaxFailures, t.cfg.LoginWindow, now); err != nil {
			return err
		}
	}
	if t.cfg.IPMaxFailures > 0 && ip != "" {
		if err := t.admitWaiting(ctx, ipKey(ip), t.cfg.IPMaxFailures, t.cfg.LoginWindow, now); err != nil {
			if t.cfg.LoginMaxFailures > 0 {
				// The account admitted an attempt that is not going to happen.
				_ = t.settle(ctx, accountKey(email), undecided, now())
			}
			return err
		}
	}
	return nil
}

// loginSettled records a login attempt's outcome for the account and the address. A success clears
// the account's failures but not the address's, or an attacker could interleave logins to an
// account of their own.
func (t throttle) loginSettled(ctx context.Context, email, ip string, result outcome, now time.Time) error {
	if t.cfg.LoginMaxFailures > 0 {
		if err := t.settle(ctx, accountKey(email), result, now); err != nil {
			return err
		}
	}
	if t.cfg.IPMaxFailures > 0 && ip != "" {
		if result == succeededClears {
			result = succeeded
		}
		return t.settle(ctx, ipKey(ip), result, now)
	}
	return nil
}

// passwordAttempt admits a check of the current password (change-password) against the account's
// lockout, as a login would be; settle it with loginSettled and no address.
func (t throttle) passwordAttempt(ctx context.Context, email string, now func() time.Time) error {
	if t.cfg.LoginMaxFailures <= 0 {
		return nil
	}
	return t.admitWaiting(ctx, accountKey(email), t.cfg.LoginMaxFailures, t.cfg.LoginWindow, now)
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
