package credential

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/user"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	User    *user.User
	Session *Session
	// Client is who sent the request, when the transport says; the timeline keeps its network.
	Client Client
}

// Authenticate checks an access token and that its session and user are still good.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (*Principal, error) {
	claims, err := s.tokens.Verify(accessToken, Access)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sess, u, err := s.activeSession(ctx, claims, now)
	if err != nil {
		return nil, err
	}
	if now.Sub(sess.LastUsedAt) >= touchEvery {
		// At most one write a minute per session. The request is answered either way: what it
		// needed was read, and the next request tries again.
		if touched, err := s.sessions.Update(ctx, sess.ID, Touch(now)); err == nil {
			sess = touched
		}
	}
	return &Principal{User: u, Session: sess}, nil
}

// activeSession loads the session and user a verified token names and checks both are still in force.
func (s *Service) activeSession(ctx context.Context, claims Claims, now time.Time) (*Session, *user.User, error) {
	sess, err := s.sessions.ByID(ctx, claims.SessionID)
	if errors.Is(err, ErrSessionNotFound) {
		return nil, nil, ErrSessionRevoked
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	if sess.UserID != claims.Subject {
		return nil, nil, ErrInvalidToken
	}
	if !sess.Active(now) {
		return nil, nil, ErrSessionRevoked
	}
	u, err := s.users.ByID(ctx, user.ID(claims.Subject))
	if errors.Is(err, user.ErrNotFound) {
		return nil, nil, ErrInvalidToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load user: %w", err)
	}
	if !u.IsActive {
		return nil, nil, ErrInvalidToken
	}
	if !u.SessionValid(sess.ID, sess.Epoch) {
		return nil, nil, ErrSessionRevoked
	}
	return sess, u, nil
}

// Logout revokes the caller's session, and the session of refreshToken when it is the caller's too.
func (s *Service) Logout(ctx context.Context, p *Principal, refreshToken string) error {
	now := s.now()
	if err := s.revoke(ctx, p.Session.ID, now, s.event(audit.SessionRevoked, p.Session.ID, p.Client.IP, byLogout)); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	if refreshToken == "" {
		return nil
	}
	claims, err := s.tokens.Verify(refreshToken, Refresh)
	if err != nil || claims.SessionID == p.Session.ID || claims.Subject != string(p.User.ID) {
		// Logging out already reached its goal; a bad or foreign refresh token changes nothing.
		return nil
	}
	if err := s.revoke(ctx, claims.SessionID, now, s.event(audit.SessionRevoked, claims.SessionID, p.Client.IP, byLogout)); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}
