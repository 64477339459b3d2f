package user

import "context"

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
	return s.store.Update(ctx, id, func(u *User) error {
		p, err := u.Profile.Apply(patch)
		if err != nil {
			return err
		}
		u.Profile = p
		return nil
	})
}
