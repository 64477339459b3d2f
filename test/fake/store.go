// Package fake holds hand-written in-memory implementations of the core ports, for tests.
package fake

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

var (
	_ user.Store  = (*Users)(nil)
	_ user.Lister = (*Users)(nil)
	_ user.Eraser = (*Users)(nil)
)

// Users is a map-backed user.Store, user.Lister and user.Eraser.
// Notices a written user carries go to Mail, and events to Timeline, in the same step. A deleted
// user stays in byID, hidden, until Erase; its email leaves byEmail in the write that deletes it.
type Users struct {
	mu       sync.Mutex
	byID     map[user.ID]user.User
	byEmail  map[string]user.ID
	sessions *Sessions // the last NewSessions over these users, whose sessions Erase removes
	Mail     *Outbox
	Timeline *Timeline
}

// NewUsers returns an empty Users with an empty Mail outbox and Timeline.
func NewUsers() *Users {
	return &Users{byID: map[user.ID]user.User{}, byEmail: map[string]user.ID{}, Mail: NewOutbox(), Timeline: NewTimeline()}
}

// post moves u's notices into the outbox and its events into the timeline; the caller holds s.mu.
func (s *Users) post(u *user.User) {
	for _, n := range u.Outbox {
		_ = s.Mail.Enqueue(context.Background(), n)
	}
	for _, e := range u.Events {
		_, _ = s.Timeline.Append(context.Background(), e)
	}
	u.Outbox, u.Events = nil, nil
}

// Insert implements user.Store.
func (s *Users) Insert(_ context.Context, u *user.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byEmail[u.Email]; ok {
		return user.ErrEmailTaken
	}
	s.byEmail[u.Email] = u.ID
	c := clone(*u)
	s.post(&c)
	s.byID[u.ID] = c
	return nil
}

// ByID implements user.Store.
func (s *Users) ByID(_ context.Context, id user.ID) (*user.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.byID[id]
	if !ok || u.DeletedAt != nil {
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

// Update implements user.Store; change runs under the store's lock, so updates never interleave.
func (s *Users) Update(_ context.Context, id user.ID, change func(*user.User) error) (*user.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update(id, change)
}

func (s *Users) update(id user.ID, change func(*user.User) error) (*user.User, error) {
	old, ok := s.byID[id]
	if !ok || old.DeletedAt != nil {
		return nil, user.ErrNotFound
	}
	u := clone(old)
	if err := change(&u); err != nil {
		return nil, err
	}
	if u.ID != id {
		return nil, errors.New("fake: a change may not alter the user's id")
	}
	if u.Email != old.Email {
		if _, taken := s.byEmail[u.Email]; taken {
			return nil, user.ErrEmailTaken
		}
		delete(s.byEmail, old.Email)
		s.byEmail[u.Email] = id
	}
	if u.DeletedAt != nil {
		delete(s.byEmail, u.Email)
	}
	s.post(&u)
	s.byID[id] = clone(u)
	return &u, nil
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
	if u.DeletedAt != nil {
		t := *u.DeletedAt
		u.DeletedAt = &t
	}
	if u.Roles != nil {
		u.Roles = append([]user.Role(nil), u.Roles...)
	}
	u.Tokens = append([]user.Token(nil), u.Tokens...)
	u.Outbox = append([]user.Notice(nil), u.Outbox...)
	u.Events = append([]audit.Event(nil), u.Events...)
	return u
}

// Sessions is a map-backed credential.SessionStore over the users it opens sessions for.
type Sessions struct {
	users *Users
	mu    sync.Mutex
	byID  map[string]credential.Session
}

// NewSessions returns an empty Sessions whose Open records logins in users.
func NewSessions(users *Users) *Sessions {
	s := &Sessions{users: users, byID: map[string]credential.Session{}}
	users.mu.Lock()
	users.sessions = s
	users.mu.Unlock()
	return s
}

// Create implements credential.SessionStore.
func (s *Sessions) Create(_ context.Context, sess *credential.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[sess.ID] = cloneSession(*sess)
	return nil
}

// Open implements credential.SessionStore, holding both stores' locks so the two writes are one.
func (s *Sessions) Open(_ context.Context, sess *credential.Session, record func(*user.User) error) (*user.User, error) {
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.users.update(user.ID(sess.UserID), record)
	if err != nil {
		return nil, err
	}
	s.byID[sess.ID] = cloneSession(*sess)
	return u, nil
}

// ByUser implements credential.SessionStore.
func (s *Sessions) ByUser(_ context.Context, userID string, now time.Time) ([]*credential.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*credential.Session
	for _, sess := range s.byID {
		if sess.UserID == userID && now.Before(sess.ExpiresAt) {
			c := cloneSession(sess)
			out = append(out, &c)
		}
	}
	return out, nil
}

// ByID implements credential.SessionStore.
func (s *Sessions) ByID(_ context.Context, id string) (*credential.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[id]
	if !ok {
		return nil, credential.ErrSessionNotFound
	}
	c := cloneSession(sess)
	return &c, nil
}

// Update implements credential.SessionStore; change runs under the store's lock.
func (s *Sessions) Update(_ context.Context, id string, change func(*credential.Session) error) (*credential.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, ok := s.byID[id]
	if !ok {
		return nil, credential.ErrSessionNotFound
	}
	sess := cloneSession(stored)
	if err := change(&sess); err != nil {
		return nil, err
	}
	for _, e := range sess.Events {
		_, _ = s.users.Timeline.Append(context.Background(), e)
	}
	sess.Events = nil
	s.byID[id] = cloneSession(sess)
	return &sess, nil
}

// cloneSession copies sess with nothing shared, so neither a caller nor a refused change can
// alter what the store holds.
func cloneSession(sess credential.Session) credential.Session {
	if sess.RevokedAt != nil {
		at := *sess.RevokedAt
		sess.RevokedAt = &at
	}
	if sess.Rotation != nil {
		r := *sess.Rotation
		sess.Rotation = &r
	}
	return sess
}
