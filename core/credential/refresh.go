package credential

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/user"
)

// Refresh exchanges a refresh token for a new pair. A refresh token works once; presenting a spent one
// revokes its whole session, since either the client or a thief holds a copy, except within the
// refresh grace: the token the latest refresh spent gets that refresh's pair again (see spent).
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	claims, err := s.tokens.Verify(refreshToken, Refresh)
	if err != nil {
		return Pair{}, err
	}
	now := s.now()
	sess, u, err := s.activeSession(ctx, claims, now)
	if err != nil {
		return Pair{}, err
	}
	if claims.ID != sess.RefreshID {
		return s.spent(ctx, sess, claims.ID, now, u.Roles)
	}
	next, rotation := s.ids.NewID(), Rotation{From: claims.ID, AccessID: s.ids.NewID(), At: now}
	expires := now.Add(s.cfg.RefreshTTL).UTC()
	if s.cfg.SessionMaxAge > 0 {
		// Each refresh slides the session forward, but never past its absolute lifetime.
		expires = minTime(expires, sess.CreatedAt.Add(s.cfg.SessionMaxAge).UTC())
	}
	rotated, err := s.sessions.Update(ctx, sess.ID, func(x *Session) error {
		if err := Rotate(claims.ID, next, expires)(x); err != nil {
			return err
		}
		x.Rotation, x.LastUsedAt = &rotation, now
		return nil
	})
	switch {
	case errors.Is(err, ErrStaleRefresh):
		// Another request spent this token first.
		latest, err := s.sessions.ByID(ctx, sess.ID)
		if errors.Is(err, ErrSessionNotFound) {
			return Pair{}, ErrSessionRevoked
		}
		if err != nil {
			return Pair{}, fmt.Errorf("refresh: %w", err)
		}
		return s.spent(ctx, latest, claims.ID, now, u.Roles)
	case errors.Is(err, ErrSessionNotFound), errors.Is(err, ErrSessionRevoked):
		return Pair{}, ErrSessionRevoked
	case err != nil:
		return Pair{}, fmt.Errorf("refresh: %w", err)
	}
	return s.issue(rotated, rotation, u.Roles)
}

// spent answers a refresh token that sess no longer holds. Within the grace after the refresh that
// spent it, that refresh's pair again, signed from the same claims, so every tab of one app that
// refreshed at once ends up with one pair (its roles claim is the account's roles now). Anything
// else is reuse: the session ends.
func (s *Service) spent(ctx context.Context, sess *Session, refreshID string, now time.Time, roles []user.Role) (Pair, error) {
	if r := sess.Rotation; s.cfg.RefreshGrace > 0 && r != nil && r.From == refreshID &&
		sess.Active(now) && !now.After(r.At.Add(s.cfg.RefreshGrace)) {
		return s.issue(sess, *r, roles)
	}
	return Pair{}, s.revokeReused(ctx, sess, now)
}

func (s *Service) revokeReused(ctx context.Context, sess *Session, now time.Time) error {
	err := s.revoke(ctx, sess.ID, now,
		s.event(audit.RefreshReuseDetected, sess.ID, "", ""), s.event(audit.SessionRevoked, sess.ID, "", byReuse))
	if err != nil {
		return fmt.Errorf("revoke reused session: %w", err)
	}
	return ErrRefreshReused
}

// revoke ends the session with id, recording events with the write when it is the one that ended
// it; one that is gone (expired and swept) is as ended as it gets.
func (s *Service) revoke(ctx context.Context, id string, now time.Time, events ...audit.Event) error {
	_, err := s.sessions.Update(ctx, id, func(x *Session) error {
		live := x.RevokedAt == nil
		if err := Revoke(now)(x); err != nil {
			return err
		}
		if live {
			for _, e := range events {
				x.Record(e)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrSessionNotFound) {
		return err
	}
	return nil
}

// issue signs the pair of sess's current refresh id, made at r.At, for an account holding roles:
// the same claims always give the same tokens. The access token names the roles for clients to
// read; the service itself goes by the roles stored when a request comes.
func (s *Service) issue(sess *Session, r Rotation, roles []user.Role) (Pair, error) {
	access, err := s.tokens.Sign(Claims{
		Kind: Access, ID: r.AccessID, Subject: sess.UserID, SessionID: sess.ID,
		IssuedAt: r.At, ExpiresAt: r.At.Add(s.cfg.AccessTTL), Roles: roles,
	})
	if err != nil {
		return Pair{}, fmt.Errorf("sign access token: %w", err)
	}
	refresh, err := s.tokens.Sign(Claims{
		Kind: Refresh, ID: sess.RefreshID, Subject: sess.UserID, SessionID: sess.ID,
		IssuedAt: r.At, ExpiresAt: sess.ExpiresAt,
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
