package credential

import (
	"context"
	"errors"
	"fmt"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// PasswordChange is what change-password sends.
type PasswordChange struct {
	Current string
	New     string
	Confirm string
}

// ChangePassword sets a new password and revokes every session of the user but the caller's.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, c PasswordChange) error {
	var errs user.ValidationErrors
	lengthErr := CheckLength("new_password", c.New)
	errs = appendValidation(errs, lengthErr)
	if c.New != c.Confirm {
		errs = append(errs, &user.ValidationError{Field: "confirm_password", Kind: user.Mismatch, Msg: "passwords do not match"})
	}
	if c.New == c.Current {
		errs = append(errs, &user.ValidationError{Field: "new_password", Kind: user.SameAsCurrent, Msg: "new password must differ from the current password"})
	}
	if err := errs.Err(); err != nil {
		return err
	}
	// Strength last: it is the costliest check, and bounded (see MaxScoredLen).
	prof := p.User.Profile
	if err := s.policy.Check("new_password", c.New, p.User.Email, prof.FirstName, prof.LastName); err != nil {
		return appendValidation(nil, err)
	}
	if CheckLength("current_password", c.Current) != nil {
		return ErrWrongPassword
	}
	// Guessing the current password with a stolen access token counts against the same lockout
	// as guessing it at login.
	ticket, err := s.throttle.AdmitPassword(ctx, p.User.Email)
	if err != nil {
		return err
	}
	err = s.changePassword(ctx, p, c)
	err = settle(ctx, ticket, err, ErrWrongPassword)
	return err
}

// changePassword checks the current password and stores the new one.
func (s *Service) changePassword(ctx context.Context, p *Principal, c PasswordChange) error {
	verified := p.User.PasswordHash
	if err := s.verifyCurrent(ctx, verified, c.Current); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, c.New)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	// The stored hash must still be the one the current password was checked against, so of racing
	// changes made with one current password at most one succeeds. When it moved on (a login upgraded
	// it, or another change landed), the current password is checked against the new hash, outside
	// the store's write: a hash never runs inside it.
	for range maxRecheck {
		var stored string
		_, err = s.users.Update(ctx, p.User.ID, func(u *user.User) error {
			if u.PasswordHash != verified {
				stored = u.PasswordHash
				return errHashMoved
			}
			u.ChangePassword(hash, p.Session.ID)
			u.Record(s.event(audit.PasswordChanged, p.Session.ID, p.Client.IP, ""))
			u.Record(s.event(audit.SessionRevoked, "", p.Client.IP, byPasswordChange))
			return nil
		})
		if !errors.Is(err, errHashMoved) {
			return err
		}
		if err := s.verifyCurrent(ctx, stored, c.Current); err != nil {
			return err
		}
		verified = stored
	}
	return user.ErrConflict
}

// maxRecheck bounds how often a password change checks the current password again because the
// stored hash kept changing underneath it.
const maxRecheck = 3

// errHashMoved says the stored password hash is no longer the one the current password was checked against.
var errHashMoved = errors.New("the stored password hash changed")

func (s *Service) verifyCurrent(ctx context.Context, hash, password string) error {
	ok, _, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return fmt.Errorf("verify current password: %w", err)
	}
	if !ok {
		return ErrWrongPassword
	}
	return nil
}

// settle settles an attempt that ended with err: a failed guess when err is wrong, no outcome
// for any other error, a success otherwise. A settling error is returned only when err is nil.
func settle(ctx context.Context, ticket *throttle.Ticket, err, wrong error) error {
	result := throttle.Succeeded
	switch {
	case errors.Is(err, wrong):
		result = throttle.Failed
	case err != nil:
		result = throttle.Undecided
	}
	if serr := ticket.Settle(ctx, result); serr != nil && err == nil {
		return serr
	}
	return err
}
