package credential

import (
	"context"
	"time"

	"github.com/authd/authd/core/user"
)

// SessionStore persists login sessions.
type SessionStore interface {
	// Create stores a new session.
	Create(ctx context.Context, s *Session) error
	// Open stores a new session and applies record to the session's user, in one write where the
	// store can (bbolt) or the user first and then the session (MongoDB). An error from record, or
	// user.ErrConflict when the user kept changing underneath, stores neither. record follows the
	// rules of user.Store.Update's change.
	Open(ctx context.Context, s *Session, record func(*user.User) error) (*user.User, error)
	// ByID returns the session, or ErrSessionNotFound.
	ByID(ctx context.Context, id string) (*Session, error)
	// Update reads the session with id, applies change and stores the result, atomically, with the
	// retry rules of user.Store.Update; ErrSessionNotFound when there is no such session.
	Update(ctx context.Context, id string, change func(*Session) error) (*Session, error)
	// ByUser returns the sessions of the user with userID that have not expired by now, revoked
	// ones included, in no particular order; through an index, not a scan of every session.
	ByUser(ctx context.Context, userID string, now time.Time) ([]*Session, error)
}

// Hasher turns passwords into PHC strings and checks them. Both wait for a share of the CPU; a
// caller whose ctx ends while waiting gets ctx's error and costs no hash.
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches hash, and whether hash uses outdated parameters.
	Verify(ctx context.Context, hash, password string) (ok, outdated bool, err error)
}

// StrengthMeter estimates how guessable a password is.
type StrengthMeter interface {
	// Strength scores password from 0 (trivial) to 4, given words the user is known by.
	Strength(password string, userInputs []string) Strength
}

// Strength is a StrengthMeter's verdict.
type Strength struct {
	Score    int
	Feedback string // why the score is low and what would help; may be empty
}

// TokenCodec signs and verifies tokens.
type TokenCodec interface {
	Sign(c Claims) (string, error)
	// Verify checks signature, algorithm, issuer, expiry and that the token is of kind; any failure wraps ErrInvalidToken.
	Verify(token string, kind TokenKind) (Claims, error)
}

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

// IDGenerator makes new unique identifiers.
type IDGenerator interface {
	NewID() string
}
