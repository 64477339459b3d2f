package credential

import (
	"time"

	"github.com/authd/authd/core/user"
)

// TokenKind tells access tokens from refresh tokens; each is accepted only where its kind is expected.
type TokenKind string

// Token kinds.
const (
	Access  TokenKind = "access"
	Refresh TokenKind = "refresh"
)

// Claims are what a token asserts.
type Claims struct {
	Kind      TokenKind
	ID        string // jti
	Subject   string // user id
	SessionID string
	IssuedAt  time.Time
	ExpiresAt time.Time
	Roles     []user.Role // access tokens only: the account's roles when the token was issued
}

// Pair is what login and refresh hand out.
type Pair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration // lifetime of the access token
}
