package credential

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/user"
)

// SessionView is a session as its user sees it in the list of their sessions.
type SessionView struct {
	*Session
	Current bool // the session the list was asked for with
}

// Sessions returns the caller's live sessions, newest first: not revoked, not expired, and not
// ended by a password change or an end of other sessions.
func (s *Service) Sessions(ctx context.Context, p *Principal) ([]SessionView, error) {
	now := s.now()
	all, err := s.sessions.ByUser(ctx, string(p.User.ID), now)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var live []SessionView
	for _, sess := range all {
		if sess.Active(now) && p.User.SessionValid(sess.ID, sess.Epoch) {
			live = append(live, SessionView{Session: sess, Current: sess.ID == p.Session.ID})
		}
	}
	slices.SortFunc(live, func(a, b SessionView) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return live, nil
}

// EndSession revokes one of the caller's sessions; its tokens stop working at once.
// ErrSessionNotFound for an id that is not one of the caller's live sessions, whether or not it
// is someone else's: the answer confirms nothing.
func (s *Service) EndSession(ctx context.Context, p *Principal, id string) error {
	now := s.now()
	_, err := s.sessions.Update(ctx, id, func(sess *Session) error {
		if sess.UserID != string(p.User.ID) || !sess.Active(now) || !p.User.SessionValid(sess.ID, sess.Epoch) {
			return ErrSessionNotFound
		}
		sess.Record(s.event(audit.SessionRevoked, id, p.Client.IP, byUser))
		return Revoke(now)(sess)
	})
	if err != nil && !errors.Is(err, ErrSessionNotFound) {
		return fmt.Errorf("end session: %w", err)
	}
	return err
}

// EndOtherSessions ends every session of the caller's but the one it calls with, in one write:
// a session opened at the same moment ends too (its login answers invalid credentials).
func (s *Service) EndOtherSessions(ctx context.Context, p *Principal) error {
	_, err := s.users.Update(ctx, p.User.ID, func(u *user.User) error {
		if !u.SessionValid(p.Session.ID, p.Session.Epoch) {
			return ErrSessionRevoked // ended meanwhile by another request
		}
		u.EndSessions(p.Session.ID)
		u.Record(s.event(audit.SessionRevoked, "", p.Client.IP, byUser))
		return nil
	})
	if err != nil {
		return fmt.Errorf("end other sessions: %w", err)
	}
	return nil
}
