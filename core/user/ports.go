package user

import (
	"context"
	"strings"
	"time"
)

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
	//
	// A change that deletes the user (User.Delete) is the last one it sees: from that write on,
	// ByID, ByEmail and Update answer ErrNotFound, the user's sessions are refused (their user is
	// not found), and its email can be registered again, however far Eraser has got.
	Update(ctx context.Context, id ID, change func(*User) error) (*User, error)
}

// Query selects accounts for an operator. Accounts come in email order.
type Query struct {
	EmailPrefix  string     // normalised; "" for any
	IsActive     *bool      // nil for either
	CreatedAfter *time.Time // nil for any time
	After        string     // the email of the last account of the previous page; "" for the first
	Limit        int        // at least 1
}

// Matches reports whether u is an account q selects, cursor aside.
func (q Query) Matches(u *User) bool {
	return strings.HasPrefix(u.Email, q.EmailPrefix) &&
		(q.IsActive == nil || u.IsActive == *q.IsActive) &&
		(q.CreatedAfter == nil || u.CreatedAt.After(*q.CreatedAfter))
}

// Lister finds accounts for operators.
type Lister interface {
	// List returns at most q.Limit live accounts that q matches, with emails after q.After, in
	// email order; through the store's email index, starting at the later of q.After and
	// q.EmailPrefix.
	List(ctx context.Context, q Query) ([]*User, error)
}

// Eraser removes what a deleted user leaves: its sessions, its queued mail, its email's key and
// its document. Its security timeline stays, to be pruned by age like every other.
type Eraser interface {
	// Erase removes what is left of the deleted user id; nothing when nothing is. ErrNotDeleted
	// when id is a user that is not deleted. It is safe to repeat and to run on several replicas
	// at once.
	Erase(ctx context.Context, id ID) error
	// Deleted returns up to limit users deleted before before that Erase has not finished.
	Deleted(ctx context.Context, before time.Time, limit int) ([]ID, error)
}
