package metrics

import (
	"context"
	"time"

	"github.com/authd/authd/core/user"
)

// Lister times a user.Lister, as the users store's "list" operation.
type Lister struct {
	Next user.Lister
	Rec  *Recorder
}

// List implements user.Lister.
func (s Lister) List(ctx context.Context, q user.Query) (us []*user.User, err error) {
	defer func(began time.Time) { s.Rec.observe("users", "list", began, err) }(time.Now())
	return s.Next.List(ctx, q)
}

// Eraser times a user.Eraser, as the users store's "erase" and "deleted" operations.
type Eraser struct {
	Next user.Eraser
	Rec  *Recorder
}

// Erase implements user.Eraser.
func (s Eraser) Erase(ctx context.Context, id user.ID) (err error) {
	defer func(began time.Time) { s.Rec.observe("users", "erase", began, err, user.ErrNotDeleted) }(time.Now())
	return s.Next.Erase(ctx, id)
}

// Deleted implements user.Eraser.
func (s Eraser) Deleted(ctx context.Context, before time.Time, limit int) (ids []user.ID, err error) {
	defer func(began time.Time) { s.Rec.observe("users", "deleted", began, err) }(time.Now())
	return s.Next.Deleted(ctx, before, limit)
}
