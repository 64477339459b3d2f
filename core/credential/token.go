package credential

import "time"

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
}

// Pair is what login and refresh hand out.
type Pair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration // lifetime of the access token
}
