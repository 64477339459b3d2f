// Package fake holds hand-written in-memory implementations of the core ports, for tests.
package fake

import (
	"context"
	"sync"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// Users is a map-backed user.Store.
type Users struct {
	mu      sync.Mutex
	byID    map[user.ID]user.User
	byEmail map[string]user.ID
}

// NewUsers returns an empty Users.
func NewUsers() *Users {
	return &Users{byID: map[user.ID]user.User{}, byEmail: map[string]user.ID{}}
}

// Insert implements user.Store.
func (s *Users) Insert(_ context.Context, u *user.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byEmail[u.Email]; ok {
		return user.ErrEmailTaken
	}
	s.byEmail[u.Email] = u.ID
	s.byID[u.ID] = clone(*u)
	return nil
}

// ByID implements user.Store.
func (s *Users) ByID(_ context.Context, id user.ID) (*user.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.byID[id]
	if !ok {
		return nil, user.ErrNotFound
	}
	c := clone(u)
	return &c, nil
}

// ByEmail implements user.Store.
func (s *Users) ByEmail(ctx context.Context, email string) (*user.User, error) {
	s.mu.Lock()
	id, ok := s.byEmail[email]
	s.mu.Unlock()
	if !ok {
		return nil, user.ErrNotFound
	}
	return s.ByID(ctx, id)
}

// Update implements user.Store.
func (s *Users) Update(_ context.Context, u *user.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.byID[u.ID]
	if !ok {
		return user.ErrNotFound
	}
	if old.Version != u.Version {
		return user.ErrConflict
	}
	u.Version++
	s.byID[u.ID] = clone(*u)
	return nil
}

func clone(u user.User) user.User {
	if u.LastLogin != nil {
		t := *u.LastLogin
		u.LastLogin = &t
	}
	if u.Profile.Bio != nil {
		b := *u.Profile.Bio
		u.Profile.Bio = &b
	}
	if u.Profile.PhoneNumber != nil {
		p := *u.Profile.PhoneNumber
		u.Profile.PhoneNumber = &p
	}
	return u
}

// Sessions is a map-backed credential.SessionStore.
type Sessions struct {
	mu   sync.Mutex
	byID map[string]credential.Session
}

// NewSessions returns an empty Sessions.
func NewSessions() *Sessions {
	return &Sessions{byID: map[string]credential.Session{}}
}

// Create implements credential.SessionStore.
func (s *Sessions) Create(_ context.Context, sess *credential.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[sess.ID] = *sess
	return nil
}

// ByID implements credential.SessionStore.
func (s *Sessions) ByID(_ context.Context, id string) (*credential.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok {
		return nil, credential.ErrSessionNotFound
	}
	return &sess, nil
}

// Rotate implements credential.SessionStore.
func (s *Sessions) Rotate(_ context.Context, id, from, to string, expiresAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok {
		return credential.ErrSessionNotFound
	}
	if sess.RevokedAt != nil || sess.RefreshID != from {
		return credential.ErrStaleRefresh
	}
	sess.RefreshID, sess.ExpiresAt = to, expiresAt
	s.byID[id] = sess
	return nil
}

// Revoke implements credential.SessionStore.
func (s *Sessions) Revoke(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok {
		return credential.ErrSessionNotFound
	}
	if sess.RevokedAt == nil {
		sess.RevokedAt = &at
		s.byID[id] = sess
	}
	return nil
}
