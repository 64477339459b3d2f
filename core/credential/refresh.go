package credential

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Refresh exchanges a refresh token for a new pair. A refresh token works once; presenting a spent one
// revokes its whole session, since either the client or a thief holds a copy.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	claims, err := s.tokens.Verify(refreshToken, Refresh)
	if err != nil {
		return Pair{}, err
	}
	now := s.now()
	sess, _, err := s.activeSession(ctx, claims, now)
	if err != nil {
		return Pair{}, err
	}
	if claims.ID != sess.RefreshID {
		return Pair{}, s.revokeReused(ctx, sess.ID, now)
	}
	next := s.ids.NewID()
	expires := now.Add(s.cfg.RefreshTTL).UTC()
	if s.cfg.SessionMaxAge > 0 {
		// Each refresh slides the session forward, but never past its absolute lifetime.
		expires = minTime(expires, sess.CreatedAt.Add(s.cfg.SessionMaxAge).UTC())
	}
	rotated, err := s.sessions.Update(ctx, sess.ID, Rotate(claims.ID, next, expires))
	switch {
	case errors.Is(err, ErrStaleRefresh):
		// Another request spent this token first.
		return Pair{}, s.revokeReused(ctx, sess.ID, now)
	case errors.Is(err, ErrSessionNotFound), errors.Is(err, ErrSessionRevoked):
		return Pair{}, ErrSessionRevoked
	case err != nil:
		return Pair{}, fmt.Errorf("refresh: %w", err)
	}
	return s.issue(rotated, now)
}

func (s *Service) revokeReused(ctx context.Context, sessionID string, now time.Time) error {
	if err := s.revoke(ctx, sessionID, now); err != nil {
		return fmt.Errorf("revoke reused session: %w", err)
	}
	return ErrRefreshReused
}

// revoke ends the session with id; one that is gone (expired and swept) is as ended as it gets.
func (s *Service) revoke(ctx context.Context, id string, now time.Time) error {
	if _, err := s.sessions.Update(ctx, id, Revoke(now)); err != nil && !errors.Is(err, ErrSessionNotFound) {
		return err
	}
	return nil
}

func (s *Service) issue(sess *Session, now time.Time) (Pair, error) {
	access, err := s.tokens.Sign(Claims{
		Kind: Access, ID: s.ids.NewID(), Subject: sess.UserID, SessionID: sess.ID,
		IssuedAt: now, ExpiresAt: now.Add(s.cfg.AccessTTL),
	})
	if err != nil {
		return Pair{}, fmt.Errorf("sign access token: %w", err)
	}
	refresh, err := s.tokens.Sign(Claims{
		Kind: Refresh, ID: sess.RefreshID, Subject: sess.UserID, SessionID: sess.ID,
		IssuedAt: now, ExpiresAt: sess.ExpiresAt,
	})
	if err != nil {
		return Pair{}, fmt.Errorf("sign refresh token: %w", err)
	}
	return Pair{AccessToken: access, RefreshToken: refresh, ExpiresIn: s.cfg.AccessTTL}, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
