package user

import "context"

// Store persists users. Implementations translate their driver errors into this package's sentinels.
type Store interface {
	// Insert stores a new user; ErrEmailTaken when its email is already used.
	Insert(ctx context.Context, u *User) error
	// ByID returns the user with id, or ErrNotFound.
	ByID(ctx context.Context, id ID) (*User, error)
	// ByEmail returns the user with the normalised email, or ErrNotFound.
	ByEmail(ctx context.Context, email string) (*User, error)
	// Update replaces u if the stored version still equals u.Version, then increments u.Version;
	// ErrConflict when it does not, ErrNotFound when u is gone.
	Update(ctx context.Context, u *User) error
}
