// Package throttle limits guesses and sign-ups per key (an account, a client address) in storage
// that every replica shares. Callers have two calls: Admit an attempt before checking it, and
// Settle its ticket with the outcome after. Counters, lockout curves and configuration stay inside.
package throttle

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

// Store keeps Attempts per key in storage every replica shares.
type Store interface {
	// Update reads key's counter (the zero value when there is none), applies change and stores the
	// result, atomically per key: concurrent updates all count. change follows the rules of
	// user.Store.Update's: it may run more than once, so it derives everything from its argument. An
	// error from change stores nothing and is returned as is.
	Update(ctx context.Context, key string, change func(*Attempts) error) (*Attempts, error)
}

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or until ctx ends (then it returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
}

// Config sets the limits; a zero maximum switches that limit off.
type Config struct {
	LoginMaxFailures int           // consecutive failures per account before lockouts start
	LoginWindow      time.Duration // failures further apart than this don't count as consecutive
	IPMaxFailures    int           // failed logins per client address before lockouts start
	RegisterMaxPerIP int           // registrations per client address per RegisterWindow
	RegisterWindow   time.Duration
	// Mail-sending requests (forgot-password, resend verification, change email) per MailWindow:
	MailMaxPerAccount int // per account name, whether or not an account has it
	MailMaxPerIP      int // per client address
	MailWindow        time.Duration
	// TokenMaxFailures is how many wrong one-time tokens a client address may send before lockouts
	// start, counted like failed logins; asking for a new token forgives none of them.
	TokenMaxFailures int
}

// Retention is how long a counter can still matter after its last event: a store may forget one
// that has seen nothing for longer.
func (c Config) Retention() time.Duration {
	return max(c.LoginWindow+maxLockout, c.RegisterWindow, c.MailWindow, pendingTimeout)
}

// Lockouts start at firstLockout and double with every further failure, up to maxLockout. At most
// a few dozen guesses per account fit in an hour, well under NIST SP 800-63B's limit of 100.
const (
	firstLockout = time.Minute
	maxLockout   = time.Hour
)

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

// ErrThrottled is what every ThrottledError matches with errors.Is.
var ErrThrottled = errors.New("too many attempts")

// ThrottledError says the caller must wait RetryAfter before trying again.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many attempts; retry after %s", e.RetryAfter)
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// errBusy says every guess the key has left is already under way.
var errBusy = errors.New("attempts in flight")

// Outcome is what an admitted attempt turned out to be.
type Outcome int

// Outcomes of an attempt.
const (
	Undecided Outcome = iota // the check itself failed (a storage error): count nothing
	Failed                   // a wrong password
	Succeeded                // the right password: the account's failures are forgiven, the address keeps its own
)

// Throttle applies a Config over a Store.
type Throttle struct {
	store Store
	clock Clock
	cfg   Config
}

// New returns a Throttle over store.
func New(store Store, clock Clock, cfg Config) *Throttle {
	return &Throttle{store: store, clock: clock, cfg: cfg}
}

// Ticket is one admitted attempt; Settle it exactly once with its outcome.
type Ticket struct {
	t     *Throttle
	holds []hold
	// LockedOut is set by a Settle whose failure started the account's first lockout.
	LockedOut bool
}

// hold is one key a ticket has an attempt in flight under.
type hold struct {
	key            string
	successClears  bool // a success forgives the key's failures (an account, not an address)
	settledAlready bool
}

// AdmitLogin admits a password check for a login to account from address. It is keyed on the
// account name whether or not an account has it, so a lockout reveals nothing; an empty address
// is not counted.
func (t *Throttle) AdmitLogin(ctx context.Context, account, address string) (*Ticket, error) {
	tk := &Ticket{t: t}
	if t.cfg.LoginMaxFailures > 0 {
		if err := t.admitWaiting(ctx, accountKey(account), t.cfg.LoginMaxFailures); err != nil {
			return nil, err
		}
		tk.holds = append(tk.holds, hold{key: accountKey(account), successClears: true})
	}
	if t.cfg.IPMaxFailures > 0 && address != "" {
		if err := t.admitWaiting(ctx, ipKey(address), t.cfg.IPMaxFailures); err != nil {
			// The account admitted an attempt that is not going to happen.
			_ = tk.Settle(ctx, Undecided)
			return nil, err
		}
		tk.holds = append(tk.holds, hold{key: ipKey(address)})
	}
	return tk, nil
}

// AdmitPassword admits a check of an account's current password by its own session
// (change-password): a stolen access token guesses against the same lockout as a login.
func (t *Throttle) AdmitPassword(ctx context.Context, account string) (*Ticket, error) {
	return t.AdmitLogin(ctx, account, "")
}

// Settle records the attempt's outcome under every key it was admitted under: a failure counts
// towards their lockouts, a success clears the account's failures but not the address's, or an
// attacker could interleave logins to an account of their own. Settling twice changes nothing.
func (tk *Ticket) Settle(ctx context.Context, o Outcome) error {
	var first error
	for i := range tk.holds {
		h := &tk.holds[i]
		if h.settledAlready {
			continue
		}
		h.settledAlready = true
		locked, err := tk.t.settle(ctx, h.key, o, h.successClears)
		if locked && h.successClears {
			tk.LockedOut = true
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Register counts a registration from address, refusing it once the address has used up its
// allowance for the window. An empty address is not counted.
func (t *Throttle) Register(ctx context.Context, address string) error {
	if address == "" {
		return nil
	}
	if err := t.allow(ctx, registerKey(address), t.cfg.RegisterMaxPerIP, t.cfg.RegisterWindow); err != nil {
		return fmt.Errorf("count registration: %w", err)
	}
	return nil
}

// Mail counts a request that sends mail about account from address, refusing it once either has
// used up its allowance for the window. An empty address is not counted.
func (t *Throttle) Mail(ctx context.Context, account, address string) error {
	if address != "" {
		if err := t.allow(ctx, mailIPKey(address), t.cfg.MailMaxPerIP, t.cfg.MailWindow); err != nil {
			return fmt.Errorf("count mail request: %w", err)
		}
	}
	if err := t.allow(ctx, mailAccountKey(account), t.cfg.MailMaxPerAccount, t.cfg.MailWindow); err != nil {
		return fmt.Errorf("count mail request: %w", err)
	}
	return nil
}

// exportWindow is the window of Export's limit.
const exportWindow = time.Hour

// Export counts an export of account's data, refusing it once limit exports fell in the hour;
// a zero limit allows every export.
func (t *Throttle) Export(ctx context.Context, account string, limit int) error {
	if err := t.allow(ctx, exportKey(account), limit, exportWindow); err != nil {
		return fmt.Errorf("count export: %w", err)
	}
	return nil
}

// AdmitToken admits a check of a one-time token sent from address. A wrong token counts towards
// the address's lockout like a failed login; a right one forgives nothing. An empty address is
// not counted.
func (t *Throttle) AdmitToken(ctx context.Context, address string) (*Ticket, error) {
	tk := &Ticket{t: t}
	if t.cfg.TokenMaxFailures > 0 && address != "" {
		if err := t.admitWaiting(ctx, tokenKey(address), t.cfg.TokenMaxFailures); err != nil {
			return nil, err
		}
		tk.holds = append(tk.holds, hold{key: tokenKey(address)})
	}
	return tk, nil
}

// Forgive clears the login failures of account: its owner proved they read its mailbox.
func (t *Throttle) Forgive(ctx context.Context, account string) error {
	if t.cfg.LoginMaxFailures <= 0 {
		return nil
	}
	_, err := t.store.Update(ctx, accountKey(account), func(a *Attempts) error {
		a.Count, a.First, a.Last = 0, time.Time{}, time.Time{}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forgive login failures: %w", err)
	}
	return nil
}

// allow counts an event under key, refusing it with a ThrottledError once max events fell in the
// current window. A zero max allows everything and counts nothing.
func (t *Throttle) allow(ctx context.Context, key string, limit int, window time.Duration) error {
	if limit <= 0 {
		return nil
	}
	now := t.now()
	_, err := t.store.Update(ctx, key, func(a *Attempts) error {
		end := a.First.Add(window)
		if !now.Before(end) {
			*a = Attempts{First: now}
			end = now.Add(window)
		}
		if a.Count >= limit {
			return &ThrottledError{RetryAfter: end.Sub(now)}
		}
		a.Count++
		a.Last = now
		return nil
	})
	return err
}

func accountKey(account string) string { return "login/account/" + account }
func ipKey(address string) string      { return "login/ip/" + address }
func registerKey(address string) string {
	return "register/ip/" + address
}
func mailAccountKey(account string) string { return "mail/account/" + account }
func mailIPKey(address string) string      { return "mail/ip/" + address }
func tokenKey(address string) string       { return "token/ip/" + address }
func exportKey(account string) string      { return "export/account/" + account }

func (t *Throttle) now() time.Time {
	return t.clock.Now().UTC()
}

// lockout is how long a key with failures and limit max stays locked after its last failure.
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

// admit counts an attempt in under key, unless the key is locked out (a ThrottledError) or as many
// attempts as it has left are under way (errBusy).
func (t *Throttle) admit(ctx context.Context, key string, limit int) error {
	now := t.now()
	window := t.cfg.LoginWindow
	_, err := t.store.Update(ctx, key, func(a *Attempts) error {
		if now.Sub(a.Reserved) > pendingTimeout {
			a.Pending = 0
		}
		if a.Count > 0 && now.Sub(a.Last) > window+lockout(a.Count, limit) {
			a.Count, a.First, a.Last = 0, time.Time{}, time.Time{} // no longer consecutive
		}
		if d := lockout(a.Count, limit); d > 0 && now.Before(a.Last.Add(d)) {
			return &ThrottledError{RetryAfter: a.Last.Add(d).Sub(now)}
		}
		// Below the limit the key has max-Count guesses left; past a lockout, one at a time.
		if a.Pending >= max(limit-a.Count, 1) {
			return errBusy
		}
		a.Pending++
		if now.After(a.Reserved) {
			a.Reserved = now
		}
		return nil
	})
	var throttled *ThrottledError
	if err != nil && !errors.As(err, &throttled) && !errors.Is(err, errBusy) {
		return fmt.Errorf("count attempt: %w", err)
	}
	return err
}

// admitWaiting is admit that waits, up to queueWait, for attempts in flight to settle.
func (t *Throttle) admitWaiting(ctx context.Context, key string, limit int) error {
	for waited := time.Duration(0); ; waited += queuePause {
		err := t.admit(ctx, key, limit)
		if !errors.Is(err, errBusy) {
			return err
		}
		if waited >= queueWait {
			return &ThrottledError{RetryAfter: busyRetry}
		}
		if err := t.clock.Sleep(ctx, queuePause); err != nil {
			return err
		}
	}
}

// settle records the outcome of an attempt admitted under key, and reports whether it was the
// failure that reached the key's limit: where its lockouts start.
func (t *Throttle) settle(ctx context.Context, key string, o Outcome, successClears bool) (bool, error) {
	now := t.now()
	limit := t.cfg.IPMaxFailures
	if successClears {
		limit = t.cfg.LoginMaxFailures
	}
	locked := false
	_, err := t.store.Update(ctx, key, func(a *Attempts) error {
		locked = false // change may run more than once
		a.Pending = max(a.Pending-1, 0)
		switch {
		case o == Failed:
			if a.Count == 0 {
				a.First = now
			}
			a.Count++
			locked = a.Count == limit
			if now.After(a.Last) {
				a.Last = now
			}
		case o == Succeeded && successClears:
			a.Count, a.First, a.Last = 0, time.Time{}, time.Time{}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("settle attempt: %w", err)
	}
	return locked, nil
}
