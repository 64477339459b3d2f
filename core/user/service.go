package user

import (
	"context"
	"errors"
	"fmt"
)

// maxConflictRetries bounds read-modify-write retries when writers race on one user.
const maxConflictRetries = 5

// Service answers questions about users and changes their profiles.
type Service struct {
	store Store
}

// NewService returns a Service over store.
func NewService(store Store) *Service {
	return &Service{store: store}
}

// Get returns the user with id.
func (s *Service) Get(ctx context.Context, id ID) (*User, error) {
	return s.store.ByID(ctx, id)
}

// UpdateProfile applies patch to the user's profile; nothing is stored when any field is invalid.
func (s *Service) UpdateProfile(ctx context.Context, id ID, patch ProfilePatch) (*User, error) {
	return Modify(ctx, s.store, id, func(u *User) error {
		p, err := u.Profile.Apply(patch)
		if err != nil {
			return err
		}
		u.Profile = p
		return nil
	})
}

// Modify loads a user, applies change and stores it, retrying when another writer got there first.
// change must be safe to run more than once.
func Modify(ctx context.Context, store Store, id ID, change func(*User) error) (*User, error) {
	for attempt := 0; ; attempt++ {
		u, err := store.ByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := change(u); err != nil {
			return nil, err
		}
		err = store.Update(ctx, u)
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= maxConflictRetries {
			return nil, fmt.Errorf("update user %s: %w", id, err)
		}
	}
}
