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

// Rotate is the change that spends refresh id from: the session's next refresh id becomes to and its
// expiry expiresAt. A revoked session can't rotate (ErrSessionRevoked), and one that no longer
// holds from was rotated by someone else first (ErrStaleRefresh).
func Rotate(from, to string, expiresAt time.Time) func(*Session) error {
	return func(s *Session) error {
		switch {
		case s.RevokedAt != nil:
			return ErrSessionRevoked
		case s.RefreshID != from:
			return ErrStaleRefresh
		}
		s.RefreshID, s.ExpiresAt = to, expiresAt
		return nil
	}
}

// Revoke is the change that ends a session at at. The first revocation time is kept, so a later
// logout can't blur when the session actually ended.
func Revoke(at time.Time) func(*Session) error {
	return func(s *Session) error {
		if s.RevokedAt == nil {
			s.RevokedAt = &at
		}
		return nil
	}
}
