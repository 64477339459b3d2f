package credential

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

// Compose implements mail.Composer: it turns a notice into a letter, minting the one-time token of
// a notice with a link into the account's record as it does, so the token is born only when the
// mail is about to go out, and a mail sent again carries a token that supersedes the last.
func (s *Service) Compose(ctx context.Context, n user.Notice) (*mail.Letter, error) {
	switch n.Kind {
	case user.NoticeVerifyEmail:
		return s.composeLink(ctx, n, user.VerifyEmail, s.cfg.VerifyTTL, func(u *user.User) bool {
			return !u.IsVerified && u.Email == n.To
		})
	case user.NoticeResetPassword:
		u, err := s.users.ByEmail(ctx, n.To)
		if errors.Is(err, user.ErrNotFound) {
			return nil, nil // nobody has the address: nothing is sent, and the request could not tell
		}
		if err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
		n.UserID = u.ID
		return s.composeLink(ctx, n, user.ResetPassword, s.cfg.ResetTTL, func(u *user.User) bool {
			return u.IsActive && u.Email == n.To
		})
	case user.NoticeConfirmEmail:
		return s.composeLink(ctx, n, user.ChangeEmail, s.cfg.EmailChangeTTL, func(u *user.User) bool {
			return u.Email != n.NewEmail
		})
	case user.NoticePasswordReset, user.NoticeEmailChange, user.NoticeEmailChanged:
		// Told to whoever had the address, even if the account is gone by now.
		l := &mail.Letter{Kind: n.Kind, To: n.To, NewEmail: n.NewEmail}
		if u, err := s.users.ByID(ctx, n.UserID); err == nil {
			l.FirstName = u.Profile.FirstName
		} else if !errors.Is(err, user.ErrNotFound) {
			return nil, fmt.Errorf("compose: %w", err)
		}
		return l, nil
	default:
		return nil, fmt.Errorf("compose: unknown notice kind %q", n.Kind)
	}
}

// composeLink mints a token of purpose into the account of n, if applies still holds for it, and
// returns the letter carrying it; nil when the notice no longer applies.
func (s *Service) composeLink(ctx context.Context, n user.Notice, p user.Purpose, ttl time.Duration, applies func(*user.User) bool) (*mail.Letter, error) {
	token, digest, err := newLinkToken(n.UserID)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	now := s.now()
	expires := now.Add(ttl)
	u, err := s.users.Update(ctx, n.UserID, func(u *user.User) error {
		if !applies(u) {
			return errNoLongerApplies
		}
		u.IssueToken(user.Token{Purpose: p, Digest: digest, IssuedAt: now, ExpiresAt: expires, NewEmail: n.NewEmail})
		return nil
	})
	if errors.Is(err, user.ErrNotFound) || errors.Is(err, errNoLongerApplies) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("compose: mint token: %w", err)
	}
	return &mail.Letter{Kind: n.Kind, To: n.To, FirstName: u.Profile.FirstName, NewEmail: n.NewEmail, Token: token, ExpiresAt: expires}, nil
}

var errNoLongerApplies = errors.New("the notice no longer applies")
