package credential

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/user"
)

// The use cases of this file are an operator's: an administrator finds accounts, switches them
// off and on, ends their sessions, makes them reset their password and deletes them. Every one
// checks the roles stored for the caller now, not those its token names, so a revoked role stops
// working at the next request; and every change lands on the target's timeline with the
// operator's id, in the write that makes it.

// MaxListLimit bounds a page of FindUsers.
const MaxListLimit = 100

// eraseGrace is how long the sweep leaves a deleted account to the request that deleted it.
const eraseGrace = time.Minute

// Authorize returns ErrAdminRequired unless the caller holds the admin role, as stored now.
func (s *Service) Authorize(p *Principal) error {
	if !p.User.HasRole(user.RoleAdmin) {
		return ErrAdminRequired
	}
	return nil
}

// FindUsers returns a page of the accounts q selects, in email order, and whether more follow it;
// q.Limit is clamped to 1..MaxListLimit.
func (s *Service) FindUsers(ctx context.Context, p *Principal, q user.Query) (page []*user.User, more bool, err error) {
	if err := s.Authorize(p); err != nil {
		return nil, false, err
	}
	limit := min(max(q.Limit, 1), MaxListLimit)
	// One more than the page holds says whether another follows, so the last page has no next
	// that would only lead to an empty one.
	q.Limit = limit + 1
	found, err := s.lister.List(ctx, q)
	if err != nil {
		return nil, false, fmt.Errorf("find users: %w", err)
	}
	if len(found) > limit {
		return found[:limit], true, nil
	}
	return found, false, nil
}

// UserByID returns any account by its id, for an operator; user.ErrNotFound when there is none.
func (s *Service) UserByID(ctx context.Context, p *Principal, id user.ID) (*user.User, error) {
	if err := s.Authorize(p); err != nil {
		return nil, err
	}
	return s.users.ByID(ctx, id)
}

// Deactivate switches the account off: every session ends at once on every replica, since each
// request reads the account, and login is refused until Activate. Deactivating an inactive
// account changes nothing and records nothing.
func (s *Service) Deactivate(ctx context.Context, p *Principal, id user.ID) (*user.User, error) {
	return s.operate(ctx, p, id, func(u *user.User) {
		if u.IsActive {
			u.Deactivate()
			u.Record(s.operatorEvent(p, audit.AccountDeactivated, ""))
		}
	})
}

// Activate switches the account back on; the sessions it had stay ended.
func (s *Service) Activate(ctx context.Context, p *Principal, id user.ID) (*user.User, error) {
	return s.operate(ctx, p, id, func(u *user.User) {
		if !u.IsActive {
			u.Activate()
			u.Record(s.operatorEvent(p, audit.AccountActivated, ""))
		}
	})
}

// RevokeSessions ends every session of the account at once. An administrator may end their own
// too, the one calling included.
func (s *Service) RevokeSessions(ctx context.Context, p *Principal, id user.ID) (*user.User, error) {
	if err := s.Authorize(p); err != nil {
		return nil, err
	}
	return s.users.Update(ctx, id, func(u *user.User) error {
		u.EndSessions("")
		u.Record(s.operatorEvent(p, audit.SessionRevoked, ""))
		return nil
	})
}

// RequireReset ends every session of the account, refuses its login until a password reset,
// and mails its address a reset link, queued in the same write.
func (s *Service) RequireReset(ctx context.Context, p *Principal, id user.ID) (*user.User, error) {
	u, err := s.operate(ctx, p, id, func(u *user.User) {
		u.RequireReset()
		u.Notify(s.notice(user.NoticeResetPassword, u.Email, ""))
		u.Record(s.operatorEvent(p, audit.PasswordResetRequired, ""))
	})
	if err == nil {
		s.mailQueued()
	}
	return u, err
}

// DeleteUser deletes another account (see Delete).
func (s *Service) DeleteUser(ctx context.Context, p *Principal, id user.ID) error {
	if err := s.Authorize(p); err != nil {
		return err
	}
	if id == p.User.ID {
		return ErrOwnAccount
	}
	return s.delete(ctx, id, s.operatorEvent(p, audit.AccountDeleted, ""))
}

// operate applies an operator's change to another account than the caller's.
func (s *Service) operate(ctx context.Context, p *Principal, id user.ID, change func(*user.User)) (*user.User, error) {
	if err := s.Authorize(p); err != nil {
		return nil, err
	}
	if id == p.User.ID {
		// An administrator who switches themselves off, or must reset, locks the door behind them.
		return nil, ErrOwnAccount
	}
	return s.users.Update(ctx, id, func(u *user.User) error {
		change(u)
		return nil
	})
}

// operatorEvent is an event of an operator's action: its Detail names the operator.
func (s *Service) operatorEvent(p *Principal, kind audit.Kind, sessionID string) audit.Event {
	return s.event(kind, sessionID, p.Client.IP, Operator(p.User.ID))
}

// Operator is how an event's Detail names the administrator who acted.
func Operator(id user.ID) string { return byOperator + ":" + string(id) }

// delete marks the account deleted, with event, in one write: from it on the account can't log
// in, its tokens fail and its email is free. What it leaves is erased at once and, if that is
// interrupted, by the sweep (EraseDeleted).
func (s *Service) delete(ctx context.Context, id user.ID, event audit.Event) error {
	now := s.now()
	_, err := s.users.Update(ctx, id, func(u *user.User) error {
		u.Delete(now)
		u.Record(event)
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete account: %w", err)
	}
	// The deletion is decided; the request's end must not stop its erasure halfway.
	if err := s.eraser.Erase(context.WithoutCancel(ctx), id); err != nil && s.onError != nil {
		s.onError(fmt.Errorf("erase deleted user %s (the sweep will finish it): %w", id, err))
	}
	return nil
}

// EraseDeleted finishes the erasure of accounts deleted before the last minute (the grace left
// to the requests that deleted them) and returns how many it erased.
func (s *Service) EraseDeleted(ctx context.Context, limit int) (int, error) {
	ids, err := s.eraser.Deleted(ctx, s.now().Add(-eraseGrace), limit)
	if err != nil {
		return 0, fmt.Errorf("find deleted users: %w", err)
	}
	erased := 0
	var failed []error
	for _, id := range ids {
		// One account that fails to erase must not hold up those after it.
		if err := s.eraser.Erase(ctx, id); err != nil && !errors.Is(err, user.ErrNotDeleted) {
			failed = append(failed, fmt.Errorf("erase deleted user %s: %w", id, err))
			continue
		}
		erased++
	}
	return erased, errors.Join(failed...)
}

// Who granted or revoked a role, besides an operator (audit.RoleGranted's Detail).
const (
	ByCLI    = "cli"    // authd admin grant|revoke
	byConfig = "config" // AUTHD_ADMIN_EMAILS
)

// GrantRole gives the account at email role, recording who by (ByCLI or Operator's); it reports
// whether that changed anything.
func (s *Service) GrantRole(ctx context.Context, email string, role user.Role, by string) (bool, error) {
	return s.setRole(ctx, email, by, audit.RoleGranted, func(u *user.User) bool { return u.Grant(role) })
}

// RevokeRole takes role from the account at email; it reports whether that changed anything.
func (s *Service) RevokeRole(ctx context.Context, email string, role user.Role, by string) (bool, error) {
	return s.setRole(ctx, email, by, audit.RoleRevoked, func(u *user.User) bool { return u.Revoke(role) })
}

func (s *Service) setRole(ctx context.Context, rawEmail, by string, kind audit.Kind, change func(*user.User) bool) (bool, error) {
	return s.changeRole(ctx, rawEmail, by, kind, change, func(*user.User) bool { return true })
}

// changeRole applies change to the account at rawEmail if, in the write itself, the account still
// has that address and passes holds; it reports whether anything changed.
func (s *Service) changeRole(ctx context.Context, rawEmail, by string, kind audit.Kind, change, holds func(*user.User) bool) (bool, error) {
	email, err := user.NormalizeEmail("email", rawEmail)
	if err != nil {
		return false, err
	}
	u, err := s.users.ByEmail(ctx, email)
	if err != nil {
		return false, err
	}
	changed := false
	_, err = s.users.Update(ctx, u.ID, func(u *user.User) error {
		// Checked again in the write: the account may have moved off the address since it was
		// found, and another may have registered it.
		if changed = u.Email == email && holds(u) && change(u); changed {
			u.Record(s.event(kind, "", "", by))
		}
		return nil
	})
	if errors.Is(err, user.ErrNotFound) {
		return false, nil
	}
	return changed, err
}

// GrantConfigured gives the admin role to each verified account among emails, the addresses
// configured as administrators; an address not registered or not verified yet gets it when its
// owner verifies it (VerifyEmail). It returns the addresses it granted the role to now.
func (s *Service) GrantConfigured(ctx context.Context) ([]string, error) {
	var granted []string
	for _, email := range s.cfg.AdminEmails {
		changed, err := s.changeRole(ctx, email, byConfig, audit.RoleGranted,
			func(u *user.User) bool { return u.Grant(user.RoleAdmin) },
			func(u *user.User) bool { return u.IsVerified })
		switch {
		case errors.Is(err, user.ErrNotFound):
		case err != nil:
			return granted, fmt.Errorf("grant configured admin: %w", err)
		case changed:
			granted = append(granted, email)
		}
	}
	return granted, nil
}

// IsConfiguredAdmin reports whether email is one of the addresses configured as administrators:
// such an account gets the role back whenever it proves the address, so revoking it would not last.
func (s *Service) IsConfiguredAdmin(rawEmail string) bool {
	email, err := user.NormalizeEmail("email", rawEmail)
	return err == nil && slices.Contains(s.cfg.AdminEmails, email)
}

// promote gives u the admin role when its address, just proven, is a configured administrator's.
func (s *Service) promote(u *user.User) {
	for _, email := range s.cfg.AdminEmails {
		if email == u.Email && u.Grant(user.RoleAdmin) {
			u.Record(s.event(audit.RoleGranted, "", "", byConfig))
		}
	}
}
