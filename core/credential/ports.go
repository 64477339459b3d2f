package credential

import (
	"context"
	"time"
)

// SessionStore persists login sessions.
type SessionStore interface {
	// Create stores a new session.
	Create(ctx context.Context, s *Session) error
	// ByID returns the session, or ErrSessionNotFound.
	ByID(ctx context.Context, id string) (*Session, error)
	// Rotate atomically replaces the session's refresh id from→to and extends its expiry, only while
	// the session is unrevoked and still holds from; otherwise ErrStaleRefresh (ErrSessionNotFound if gone).
	Rotate(ctx context.Context, id, from, to string, expiresAt time.Time) error
	// Revoke marks the session revoked at the given time; revoking twice is not an error.
	Revoke(ctx context.Context, id string, at time.Time) error
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
