package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// observe records one storage operation. Errors in expected are answers the core asks for (not
// found, email taken, a lost race), not database failures, so they don't count as errors.
func (r *Recorder) observe(store, op string, began time.Time, err error, expected ...error) {
	r.storeLatency.WithLabelValues(store, op).Observe(time.Since(began).Seconds())
	if err == nil {
		return
	}
	for _, e := range expected {
		if errors.Is(err, e) {
			return
		}
	}
	r.storeFailures.WithLabelValues(store, op).Inc()
}

// Users times a user.Store.
type Users struct {
	Next user.Store
	Rec  *Recorder
}

// Insert implements user.Store.
func (s Users) Insert(ctx context.Context, u *user.User) (err error) {
	defer func(began time.Time) { s.Rec.observe("users", "insert", began, err, user.ErrEmailTaken) }(time.Now())
	return s.Next.Insert(ctx, u)
}

// ByID implements user.Store.
func (s Users) ByID(ctx context.Context, id user.ID) (u *user.User, err error) {
	defer func(began time.Time) { s.Rec.observe("users", "by_id", began, err, user.ErrNotFound) }(time.Now())
	return s.Next.ByID(ctx, id)
}

// ByEmail implements user.Store.
func (s Users) ByEmail(ctx context.Context, email string) (u *user.User, err error) {
	defer func(began time.Time) { s.Rec.observe("users", "by_email", began, err, user.ErrNotFound) }(time.Now())
	return s.Next.ByEmail(ctx, email)
}

// Update implements user.Store.
func (s Users) Update(ctx context.Context, u *user.User) (err error) {
	defer func(began time.Time) {
		s.Rec.observe("users", "update", began, err, user.ErrConflict, user.ErrNotFound)
	}(time.Now())
	return s.Next.Update(ctx, u)
}

// Sessions times a credential.SessionStore.
type Sessions struct {
	Next credential.SessionStore
	Rec  *Recorder
}

// Create implements credential.SessionStore.
func (s Sessions) Create(ctx context.Context, sess *credential.Session) (err error) {
	defer func(began time.Time) { s.Rec.observe("sessions", "create", began, err) }(time.Now())
	return s.Next.Create(ctx, sess)
}

// ByID implements credential.SessionStore.
func (s Sessions) ByID(ctx context.Context, id string) (sess *credential.Session, err error) {
	defer func(began time.Time) {
		s.Rec.observe("sessions", "by_id", began, err, credential.ErrSessionNotFound)
	}(time.Now())
	return s.Next.ByID(ctx, id)
}

// Rotate implements credential.SessionStore.
func (s Sessions) Rotate(ctx context.Context, id, from, to string, expiresAt time.Time) (err error) {
	defer func(began time.Time) {
		s.Rec.observe("sessions", "rotate", began, err, credential.ErrStaleRefresh, credential.ErrSessionNotFound)
	}(time.Now())
	return s.Next.Rotate(ctx, id, from, to, expiresAt)
}

// Revoke implements credential.SessionStore.
func (s Sessions) Revoke(ctx context.Context, id string, at time.Time) (err error) {
	defer func(began time.Time) {
		s.Rec.observe("sessions", "revoke", began, err, credential.ErrSessionNotFound)
	}(time.Now())
	return s.Next.Revoke(ctx, id, at)
}

// Attempts times a credential.AttemptStore.
type Attempts struct {
	Next credential.AttemptStore
	Rec  *Recorder
}

// Update implements credential.AttemptStore.
func (s Attempts) Update(ctx context.Context, key string, change func(credential.Attempts) credential.Attempts) (a credential.Attempts, err error) {
	defer func(began time.Time) { s.Rec.observe("attempts", "update", began, err) }(time.Now())
	return s.Next.Update(ctx, key, change)
}
