package credential

import "time"

// Session is one login: it lives until logout, expiry of its refresh token, or a password change elsewhere.
type Session struct {
	ID        string
	UserID    string
	RefreshID string // jti of the one refresh token that may be exchanged next
	Epoch     int64  // the user's token epoch when the session began
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// Active reports whether the session is neither revoked nor expired at now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}
