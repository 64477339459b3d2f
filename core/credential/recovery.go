package credential

import (
	"context"
	"errors"
	"fmt"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

// The use cases of this file prove a mailbox: the service mails a link with a one-time token, and
// the token comes back. Tokens are minted when the mail is composed (see Compose), so the outbox
// never holds a secret; a token is spent by the one write that applies what it proves.

// ForgotPassword queues a reset link for the account at email, if there is one. The request does
// the same work either way (one write to the outbox); whether the account exists is decided when
// the mail is composed, out of the request's sight.
func (s *Service) ForgotPassword(ctx context.Context, rawEmail, clientIP string) error {
	email, err := user.NormalizeEmail("email", rawEmail)
	if err != nil {
		return err
	}
	if err := s.throttle.Mail(ctx, email, clientIP); err != nil {
		return err
	}
	n := s.notice(user.NoticeResetPassword, email, "")
	if err := s.outbox.Enqueue(ctx, n); err != nil {
		return fmt.Errorf("forgot password: %w", err)
	}
	s.mailQueued()
	return nil
}

// PasswordReset is what reset-password sends.
type PasswordReset struct {
	Token    string
	New      string
	Confirm  string
	ClientIP string
}

// ResetPassword sets a new password with a reset token: every session of the account ends, its
// login lockout is forgiven, its address counts as verified, and a notice goes to the address.
func (s *Service) ResetPassword(ctx context.Context, r PasswordReset) error {
	var errs user.ValidationErrors
	errs = appendValidation(errs, CheckLength("new_password", r.New))
	if r.New != r.Confirm {
		errs = append(errs, &user.ValidationError{Field: "confirm_password", Kind: user.Mismatch, Msg: "passwords do not match"})
	}
	if err := errs.Err(); err != nil {
		return err
	}
	err := s.withLink(ctx, r.Token, r.ClientIP, func(id user.ID, digest string) error {
		// The token is checked before the password's strength is scored or hashed: without a good
		// one, a request costs no more than a wrong guess.
		u, err := s.users.ByID(ctx, id)
		if errors.Is(err, user.ErrNotFound) || (err == nil && !u.HasToken(user.ResetPassword, digest, s.now())) {
			return ErrBadLink
		}
		if err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if err := s.policy.Check("new_password", r.New, u.Email, u.Profile.FirstName, u.Profile.LastName); err != nil {
			return appendValidation(nil, err)
		}
		hash, err := s.hasher.Hash(ctx, r.New)
		if err != nil {
			return fmt.Errorf("hash password: %w", err)
		}
		// The owner proved the mailbox; the guesses that locked the account out were someone
		// else's. Forgiven before the reset is written, so a failure leaves the link unspent.
		if err := s.throttle.Forgive(ctx, u.Email); err != nil {
			return err
		}
		now := s.now()
		_, err = s.users.Update(ctx, id, func(u *user.User) error {
			if _, ok := u.UseToken(user.ResetPassword, digest, now); !ok {
				return ErrBadLink // used or superseded meanwhile
			}
			if !u.IsActive {
				return ErrInactive
			}
			u.ResetPassword(hash)
			s.promote(u)
			u.Notify(s.notice(user.NoticePasswordReset, "", ""))
			u.Record(s.event(audit.PasswordReset, "", r.ClientIP, ""))
			u.Record(s.event(audit.SessionRevoked, "", r.ClientIP, byReset))
			return nil
		})
		return err
	})
	if err != nil {
		return err
	}
	s.mailQueued()
	return nil
}

// VerifyEmail marks the account's address verified with a verification token.
func (s *Service) VerifyEmail(ctx context.Context, token, clientIP string) (*user.User, error) {
	var verified *user.User
	err := s.withLink(ctx, token, clientIP, func(id user.ID, digest string) error {
		now := s.now()
		var err error
		verified, err = s.users.Update(ctx, id, func(u *user.User) error {
			if _, ok := u.UseToken(user.VerifyEmail, digest, now); !ok {
				return ErrBadLink
			}
			if !u.IsActive {
				return ErrInactive
			}
			u.IsVerified = true
			u.Record(s.event(audit.EmailVerified, "", clientIP, ""))
			s.promote(u)
			return nil
		})
		return err
	})
	return verified, err
}

// ResendVerification queues another verification mail for the caller's address.
func (s *Service) ResendVerification(ctx context.Context, p *Principal, clientIP string) error {
	if p.User.IsVerified {
		return ErrAlreadyVerified
	}
	if err := s.throttle.Mail(ctx, p.User.Email, clientIP); err != nil {
		return err
	}
	_, err := s.users.Update(ctx, p.User.ID, func(u *user.User) error {
		if u.IsVerified {
			return ErrAlreadyVerified
		}
		u.Notify(s.notice(user.NoticeVerifyEmail, "", ""))
		return nil
	})
	if err != nil {
		return err
	}
	s.mailQueued()
	return nil
}

// EmailChange is what a request to move an account to another address sends.
type EmailChange struct {
	NewEmail        string
	CurrentPassword string
	ClientIP        string
}

// RequestEmailChange checks the caller's password and queues a confirmation link to the new
// address and a notice to the old one. The account keeps its address until the link is used.
func (s *Service) RequestEmailChange(ctx context.Context, p *Principal, c EmailChange) error {
	email, err := user.NormalizeEmail("new_email", c.NewEmail)
	if err != nil {
		return err
	}
	if email == p.User.Email {
		return &user.ValidationError{Field: "new_email", Kind: user.SameAsCurrent, Msg: "new email must differ from the current email"}
	}
	if CheckLength("current_password", c.CurrentPassword) != nil {
		return ErrWrongPassword
	}
	if err := s.throttle.Mail(ctx, p.User.Email, c.ClientIP); err != nil {
		return err
	}
	// Counted under the new address too, so no number of accounts can flood one mailbox.
	if err := s.throttle.Mail(ctx, email, ""); err != nil {
		return err
	}
	ticket, err := s.throttle.AdmitPassword(ctx, p.User.Email)
	if err != nil {
		return err
	}
	err = s.requestEmailChange(ctx, p, email, c.CurrentPassword)
	err = settle(ctx, ticket, err, ErrWrongPassword)
	if err == nil {
		s.mailQueued()
	}
	return err
}

func (s *Service) requestEmailChange(ctx context.Context, p *Principal, email, password string) error {
	verified := p.User.PasswordHash
	if err := s.verifyCurrent(ctx, verified, password); err != nil {
		return err
	}
	switch _, err := s.users.ByEmail(ctx, email); {
	case err == nil:
		return user.ErrEmailTaken
	case !errors.Is(err, user.ErrNotFound):
		return fmt.Errorf("change email: %w", err)
	}
	// As in changePassword: the password must be checked against the hash stored when the request
	// is written, so one changed meanwhile (another session's change, a login's upgrade) is
	// checked again, outside the store's write.
	for range maxRecheck {
		var stored string
		_, err := s.users.Update(ctx, p.User.ID, func(u *user.User) error {
			if u.PasswordHash != verified {
				stored = u.PasswordHash
				return errHashMoved
			}
			u.Notify(s.notice(user.NoticeConfirmEmail, email, email))
			u.Notify(s.notice(user.NoticeEmailChange, "", email))
			u.Record(s.event(audit.EmailChangeRequested, p.Session.ID, p.Client.IP, ""))
			return nil
		})
		if !errors.Is(err, errHashMoved) {
			return err
		}
		if err := s.verifyCurrent(ctx, stored, password); err != nil {
			return err
		}
		verified = stored
	}
	return user.ErrConflict
}

// ConfirmEmailChange moves the account to the address an email-change token was mailed to;
// ErrEmailTaken when another account took the address meanwhile. A notice goes to the old address.
func (s *Service) ConfirmEmailChange(ctx context.Context, token, clientIP string) (*user.User, error) {
	var moved *user.User
	err := s.withLink(ctx, token, clientIP, func(id user.ID, digest string) error {
		now := s.now()
		var err error
		moved, err = s.users.Update(ctx, id, func(u *user.User) error {
			t, ok := u.UseToken(user.ChangeEmail, digest, now)
			if !ok {
				return ErrBadLink
			}
			if !u.IsActive {
				return ErrInactive
			}
			old := u.Email
			u.ChangeEmail(t.NewEmail)
			u.Notify(s.notice(user.NoticeEmailChanged, old, t.NewEmail))
			// No address on the timeline: it outlives an account's deletion, its addresses must not.
			u.Record(s.event(audit.EmailChanged, "", clientIP, ""))
			s.promote(u)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.mailQueued()
	return moved, nil
}

// withLink admits a one-time token from clientIP and runs use with the account it names and its
// digest; a bad link, from use or from the token's shape, counts as a failed guess.
func (s *Service) withLink(ctx context.Context, token, clientIP string, use func(user.ID, string) error) error {
	ticket, err := s.throttle.AdmitToken(ctx, clientIP)
	if err != nil {
		return err
	}
	id, digest, err := parseLinkToken(token)
	if err == nil {
		err = use(id, digest)
		if errors.Is(err, user.ErrNotFound) {
			err = ErrBadLink
		}
	}
	err = settle(ctx, ticket, err, ErrBadLink)
	return err
}

// notice is a new notice of kind to the address `to`, or, when to is empty, to the address of the
// user it is queued with (see user.Notify).
func (s *Service) notice(kind user.NoticeKind, to, newEmail string) user.Notice {
	return user.Notice{ID: s.ids.NewID(), Kind: kind, To: to, NewEmail: newEmail, CreatedAt: s.now()}
}

func (s *Service) mailQueued() {
	if s.queued != nil {
		s.queued()
	}
}

var _ mail.Composer = (*Service)(nil)
