package user

import "context"

// Store persists users. Implementations translate their driver errors into this package's sentinels.
//
// Notices a user carries in Outbox when it is inserted or updated are moved into the mail outbox by
// the same write (one transaction, or the user's own document first and a move that is repeated
// until done); the user a store returns or reads back has an empty Outbox. Events go to the user's
// security timeline (audit.Store.Append) the same way, and a read-back user has none either.
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
	//
	// A change may move the user to another email: the store then makes the new email the user's
	// key before the change is visible, or refuses it with ErrEmailTaken and stores nothing. The
	// move is race-safe against registrations and other moves to the same email. The store may rely
	// on PendingEmail: a move is only made to an email the user's stored tokens name.
	Update(ctx context.Context, id ID, change func(*User) error) (*User, error)
}
