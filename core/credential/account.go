package credential

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/user"
)

// DeleteAccount deletes the caller's account once its current password checks out; a wrong one
// is ErrWrongPassword and counts against the login lockout, as at login. From the write that
// deletes it the account can't log in, every token of it fails, and its email is free; its
// sessions, queued mail and document are erased next, or by the sweep if that is interrupted.
// Its security timeline stays until retention prunes it: it names no address.
func (s *Service) DeleteAccount(ctx context.Context, p *Principal, password string) error {
	if CheckLength("current_password", password) != nil {
		return ErrWrongPassword
	}
	ticket, err := s.throttle.AdmitPassword(ctx, p.User.Email)
	if err != nil {
		return err
	}
	err = s.verifyCurrent(ctx, p.User.PasswordHash, password)
	if err = settle(ctx, ticket, err, ErrWrongPassword); err != nil {
		return err
	}
	now := s.now()
	verified := p.User.PasswordHash
	_, err = s.users.Update(ctx, p.User.ID, func(u *user.User) error {
		if u.PasswordHash != verified {
			// Changed since it was checked: the password given no longer opens the account.
			return ErrWrongPassword
		}
		if !u.SessionValid(p.Session.ID, p.Session.Epoch) {
			return ErrSessionRevoked
		}
		u.Delete(now)
		u.Record(s.event(audit.AccountDeleted, p.Session.ID, p.Client.IP, byUser))
		return nil
	})
	switch {
	case errors.Is(err, user.ErrNotFound):
		return ErrInvalidToken // deleted meanwhile by another request
	case err != nil:
		return fmt.Errorf("delete account: %w", err)
	}
	if err := s.eraser.Erase(context.WithoutCancel(ctx), p.User.ID); err != nil && s.onError != nil {
		s.onError(fmt.Errorf("erase deleted user %s (the sweep will finish it): %w", p.User.ID, err))
	}
	return nil
}

// Export is everything the service stores about an account, as its owner may ask for it (GDPR
// articles 15 and 20). Password material and token secrets are not in it: the service keeps no
// secret of a token, and a password's hash is no data about its owner.
type Export struct {
	At       time.Time
	User     *user.User
	Sessions []SessionView
	// Events is the whole timeline, oldest first, from Checkpoint on.
	Events     []audit.Event
	Checkpoint audit.Checkpoint
	// PendingEmail is the address an email change waits to be confirmed for, if any, with the
	// time its link expires.
	PendingEmail     string
	PendingExpiresAt time.Time
}

// ExportAccount gathers the caller's data; at most Config.ExportMaxPerHour times an hour per
// account (a throttle.ThrottledError past it). The export itself goes on the timeline.
func (s *Service) ExportAccount(ctx context.Context, p *Principal) (*Export, error) {
	if err := s.throttle.Export(ctx, string(p.User.ID), s.cfg.ExportMaxPerHour); err != nil {
		return nil, err
	}
	s.record(ctx, p.User.ID, s.event(audit.AccountExported, p.Session.ID, p.Client.IP, ""))
	sessions, err := s.Sessions(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	checkpoint, events, err := s.timeline.Chain(ctx, string(p.User.ID))
	if err != nil {
		return nil, fmt.Errorf("export: timeline: %w", err)
	}
	x := &Export{At: s.now(), User: p.User, Sessions: sessions, Events: events, Checkpoint: checkpoint}
	for _, t := range p.User.Tokens {
		if t.Purpose == user.ChangeEmail && t.ExpiresAt.After(x.At) && t.Epoch == p.User.TokenEpoch {
			x.PendingEmail, x.PendingExpiresAt = t.NewEmail, t.ExpiresAt
		}
	}
	return x, nil
}
