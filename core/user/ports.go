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
	// Update reads the user with id, applies change and stores the result, atomically: when another
	// write lands between the read and the write, the store reads again and calls change again, within
	// its one retry budget, then gives up with ErrConflict. So change must derive everything from its
	// argument, and be cheap: it may run inside a storage transaction. An error from change stores
	// nothing and is returned as is. ErrNotFound when there is no such user.
	Update(ctx context.Context, id ID, change func(*User) error) (*User, error)
}
