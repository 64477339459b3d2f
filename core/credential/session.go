package credential

import (
	"net/netip"
	"time"
	"unicode/utf8"

	"github.com/authd/authd/core/audit"
)

// Session is one login: it lives until logout, expiry of its refresh token, or a password change elsewhere.
type Session struct {
	ID        string
	UserID    string
	RefreshID string // jti of the one refresh token that may be exchanged next
	Epoch     int64  // the user's token epoch when the session began
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
	// LastUsedAt is when the session last authenticated a request or refreshed, to a minute.
	LastUsedAt time.Time
	// Device is what the session's client said about itself at login, as kept (see Client.Device).
	Device Device
	// Rotation is the session's latest refresh, from which a client that presents the refresh
	// token it just spent, within the refresh grace, is given the same pair again.
	Rotation *Rotation
	// Events holds the security events of a change not yet written; a store appends them to the
	// user's timeline with the change (bbolt: the same transaction; MongoDB: right after it), as it
	// does a user's. A read-back session has none.
	Events []audit.Event
}

// Record queues e on the timeline of the session's user with the change being made.
func (s *Session) Record(e audit.Event) {
	e.UserID = s.UserID
	s.Events = append(s.Events, e)
}

// Rotation records a refresh: the refresh id it spent, and what the pair it issued was made of.
type Rotation struct {
	From     string    // the refresh id spent
	AccessID string    // jti of the access token issued
	At       time.Time // when; the pair's issue time
}

// Device is the client of a session, as the session list shows it.
type Device struct {
	IP        string // the client's network: the address with its host part zeroed (/24, /48)
	UserAgent string
}

// Client is who sends a request, as the transport knows it.
type Client struct {
	ThrottleKey string // what per-address limits count the client as; empty: not counted
	IP          string // the client's address
	UserAgent   string
}

// maxUserAgent is how much of a user agent a session keeps, in characters.
const maxUserAgent = 200

// Device is what a session keeps of c: its network rather than its address (a /24 of IPv4, a
// /48 of IPv6) and at most 200 characters of its user agent; nothing when keep is false.
func (c Client) Device(keep bool) Device {
	if !keep {
		return Device{}
	}
	d := Device{UserAgent: c.UserAgent}
	if utf8.RuneCountInString(d.UserAgent) > maxUserAgent {
		d.UserAgent = string([]rune(d.UserAgent)[:maxUserAgent])
	}
	if !utf8.ValidString(d.UserAgent) {
		d.UserAgent = ""
	}
	if addr, err := netip.ParseAddr(c.IP); err == nil {
		bits := 48
		if addr.Unmap().Is4() {
			addr, bits = addr.Unmap(), 24
		}
		if prefix, err := addr.Prefix(bits); err == nil {
			d.IP = prefix.Addr().String()
		}
	}
	return d
}

// touchEvery is how stale LastUsedAt may get before a request writes it again: a session is not
// written on every request.
const touchEvery = time.Minute

// Touch is the change that notes the session was used at now.
func Touch(now time.Time) func(*Session) error {
	return func(s *Session) error {
		if now.After(s.LastUsedAt) {
			s.LastUsedAt = now
		}
		return nil
	}
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
