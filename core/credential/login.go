package credential

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// Login checks a password and opens a session. Unknown emails cost the same hash work as wrong
// passwords, and both count towards the account's and the client address's lockouts.
func (s *Service) Login(ctx context.Context, rawEmail, password string, client Client) (Pair, *user.User, error) {
	email, err := user.NormalizeEmail("email", rawEmail)
	if err != nil {
		return Pair{}, nil, err
	}
	if utf8.RuneCountInString(password) > MaxPasswordLen {
		// No stored password is this long; refuse it as input before it costs any work or a count.
		return Pair{}, nil, &user.ValidationError{Field: "password", Kind: user.TooLong, Msg: "String should have at most 128 characters"}
	}
	ticket, err := s.throttle.AdmitLogin(ctx, email, client.ThrottleKey)
	if errors.Is(err, throttle.ErrThrottled) {
		s.recordFailedLogin(ctx, email, "", client.IP, lockedOut)
	}
	if err != nil {
		return Pair{}, nil, err
	}
	u, outdated, err := s.verifyLogin(ctx, email, password)
	result := throttle.Succeeded
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		result = throttle.Failed
		if u != nil {
			s.recordFailedLogin(ctx, "", u.ID, client.IP, wrongPassword)
		}
	case err != nil:
		result = throttle.Undecided
	case !u.IsActive:
		// The right password for a switched-off account still counts as a guess: answering
		// differently than for a wrong one is all an attacker learns.
		result, err = throttle.Failed, ErrInactive
		s.recordFailedLogin(ctx, "", u.ID, client.IP, inactive)
	case u.ResetRequired:
		// Counted as a guess for the same reason.
		result, err = throttle.Failed, ErrResetRequired
		s.recordFailedLogin(ctx, "", u.ID, client.IP, resetRequired)
	}
	if serr := ticket.Settle(ctx, result); serr != nil && err == nil {
		err = serr
	}
	if ticket.LockedOut && u != nil {
		s.recordLater(ctx, u.ID, s.event(audit.LockoutStarted, "", client.IP, ""))
	}
	if err != nil {
		return Pair{}, nil, err
	}
	return s.openSession(ctx, u, password, outdated, client)
}

// recordFailedLogin notes a failed login on the timeline of the account with id, or, when id is
// empty, of the account with email if there is one; after the request, so that the answer takes
// as long whether or not an account exists.
func (s *Service) recordFailedLogin(ctx context.Context, email string, id user.ID, ip, why string) {
	e := s.event(audit.LoginFailed, "", ip, why)
	if id != "" {
		s.recordLater(ctx, id, e)
		return
	}
	ctx = context.WithoutCancel(ctx)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, recordTimeout)
		defer cancel()
		if u, err := s.users.ByEmail(ctx, email); err == nil {
			s.record(ctx, u.ID, e)
		}
	}()
}

// verifyLogin returns the user whose password matches, or ErrInvalidCredentials (with the user
// whose password did not match, if there is one), and whether the stored hash uses outdated
// parameters.
func (s *Service) verifyLogin(ctx context.Context, email, password string) (*user.User, bool, error) {
	if err := CheckLength("password", password); err != nil {
		// Too long or too short can never match a stored password; don't hash attacker-sized input.
		return nil, false, ErrInvalidCredentials
	}
	u, err := s.users.ByEmail(ctx, email)
	if errors.Is(err, user.ErrNotFound) {
		_, _, _ = s.hasher.Verify(ctx, s.dummy(ctx), password)
		return nil, false, ErrInvalidCredentials
	}
	if err != nil {
		return nil, false, fmt.Errorf("login: %w", err)
	}
	ok, outdated, err := s.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return nil, false, fmt.Errorf("login: verify: %w", err)
	}
	if !ok {
		return u, false, ErrInvalidCredentials
	}
	return u, outdated, nil
}

// openSession records the login (upgrading an outdated hash) and starts a session.
func (s *Service) openSession(ctx context.Context, u *user.User, password string, outdated bool, client Client) (Pair, *user.User, error) {
	var upgraded string
	var err error
	if outdated {
		if upgraded, err = s.hasher.Hash(ctx, password); err != nil {
			return Pair{}, nil, fmt.Errorf("login: rehash: %w", err)
		}
	}
	now := s.now()
	verified := u.PasswordHash
	// The session belongs to the password this login checked: it carries the epoch of that snapshot,
	// so a password change that lands at any point after the check (before the write below, between
	// it and the session's creation, or after) ends the session like every other.
	epoch := u.TokenEpoch
	sess := &Session{
		ID:         s.ids.NewID(),
		UserID:     string(u.ID),
		RefreshID:  s.ids.NewID(),
		Epoch:      epoch,
		CreatedAt:  now,
		ExpiresAt:  now.Add(s.cfg.RefreshTTL),
		LastUsedAt: now,
		Device:     client.Device(s.cfg.KeepDevice),
	}
	opened := s.event(audit.LoginSucceeded, sess.ID, client.IP, "")
	// The last login and the session are one write where the store can make them one.
	recorded, err := s.sessions.Open(ctx, sess, func(u *user.User) error {
		if u.TokenEpoch != epoch {
			// The password was changed since it was checked: it no longer opens this account.
			return ErrInvalidCredentials
		}
		hash := ""
		// A login with an upgraded hash must never write it over a newer password.
		if u.PasswordHash == verified {
			hash = upgraded
		}
		u.RecordLogin(now, hash)
		u.Record(opened)
		return nil
	})
	switch {
	case err == nil:
		u = recorded
	case errors.Is(err, ErrInvalidCredentials):
		return Pair{}, nil, err
	case errors.Is(err, user.ErrNotFound):
		// Deleted since the password was checked.
		return Pair{}, nil, ErrInvalidCredentials
	case errors.Is(err, user.ErrConflict):
		// A burst of logins to one account kept overtaking the write; the one that won recorded a
		// last login of just now, and a hash upgrade can wait for the next login.
		if err := s.sessions.Create(ctx, sess); err != nil {
			return Pair{}, nil, fmt.Errorf("login: create session: %w", err)
		}
		// Created outside the user's write, so checked against the user after it: a deletion,
		// deactivation or password change that landed meanwhile must not leave a session behind.
		if err := s.confirmOpened(ctx, sess, epoch, now); err != nil {
			return Pair{}, nil, err
		}
		u.RecordLogin(now, "")
		s.record(ctx, u.ID, opened)
	default:
		return Pair{}, nil, fmt.Errorf("login: %w", err)
	}
	pair, err := s.issue(sess, Rotation{AccessID: s.ids.NewID(), At: now}, u.Roles)
	return pair, u, err
}

// confirmOpened checks that the account of a session created apart from its user's write still
// honours it; otherwise it ends the session (erases it, for a deleted account) and answers
// ErrInvalidCredentials, as if the change had come first.
func (s *Service) confirmOpened(ctx context.Context, sess *Session, epoch int64, now time.Time) error {
	u, err := s.users.ByID(ctx, user.ID(sess.UserID))
	switch {
	case errors.Is(err, user.ErrNotFound):
		if err := s.eraser.Erase(context.WithoutCancel(ctx), user.ID(sess.UserID)); err != nil && s.onError != nil {
			s.onError(fmt.Errorf("erase a session opened as its account was deleted (the sweep will): %w", err))
		}
		return ErrInvalidCredentials
	case err != nil:
		return fmt.Errorf("login: %w", err)
	case u.TokenEpoch != epoch:
		if err := s.revoke(ctx, sess.ID, now); err != nil {
			return fmt.Errorf("login: %w", err)
		}
		return ErrInvalidCredentials
	}
	return nil
}

// dummy returns a hash of a password nobody has, so unknown emails cost one real Verify.
func (s *Service) dummy(ctx context.Context) string {
	s.dummyOnce.Do(func() {
		// Made once for every later login: the first caller leaving must not leave it unmade.
		h, err := s.hasher.Hash(context.WithoutCancel(ctx), s.ids.NewID()+s.ids.NewID())
		if err == nil {
			s.dummyHash = h
		}
	})
	return s.dummyHash
}
