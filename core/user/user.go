// Package user holds the user entity, its profile rules and the use cases around a user's own data.
package user

import (
	"time"

	"github.com/authd/authd/core/audit"
)

// ID identifies a user: 24 lower-case hex digits (a MongoDB ObjectId).
type ID string

// ParseID validates an identifier taken from outside.
func ParseID(field, raw string) (ID, error) {
	if !IsHexID(raw) {
		return "", &ValidationError{Field: field, Kind: Invalid, Msg: "value is not a valid id: expected 24 hexadecimal characters"}
	}
	return ID(raw), nil
}

// IsHexID reports whether s has the shape of an id: 24 lower-case hex digits.
func IsHexID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// User is an account. Fields are exported for adapters that store it; change it through its methods.
type User struct {
	ID           ID
	Email        string // normalised, see NormalizeEmail
	PasswordHash string // PHC string
	IsActive     bool
	IsVerified   bool
	CreatedAt    time.Time
	LastLogin    *time.Time
	Profile      Profile
	// Roles are what the account may do beyond its own data; none for most.
	Roles []Role
	// ResetRequired: an operator asked for a new password; login is refused until a reset sets one.
	ResetRequired bool
	// DeletedAt is when the account was deleted. A store answers ErrNotFound for a deleted user
	// from then on, and Eraser removes what is left of it.
	DeletedAt *time.Time
	// TokenEpoch counts password changes; a session minted under an older epoch is no longer valid,
	// except KeptSession, the session that made the latest change.
	TokenEpoch  int64
	KeptSession string
	// Tokens are the one-time tokens out for this account, at most one per purpose.
	Tokens []Token
	// Outbox holds notices queued by a change not yet written; a store empties it into the mail
	// outbox in the write that stores the change.
	Outbox []Notice
	// Events holds the security events of a change not yet written; a store appends them to the
	// user's timeline in the write that stores the change, as it does Outbox.
	Events []audit.Event
}

// Record queues e on the user's timeline with the change being made (see Events).
func (u *User) Record(e audit.Event) {
	e.UserID = string(u.ID)
	u.Events = append(u.Events, e)
}

// New builds a user who has just registered. The password hash comes from the credential rules.
func New(id ID, email, passwordHash string, profile Profile, now time.Time) *User {
	return &User{
		ID:           id,
		Email:        email,
		PasswordHash: passwordHash,
		IsActive:     true,
		CreatedAt:    now.UTC(),
		Profile:      profile,
	}
}

// RecordLogin notes a successful login, and an upgraded hash when the old one used weaker parameters.
func (u *User) RecordLogin(at time.Time, upgradedHash string) {
	t := at.UTC()
	u.LastLogin = &t
	if upgradedHash != "" {
		u.PasswordHash = upgradedHash
	}
}

// ResetPassword stores a new hash set without the old password: every session ends, and the
// address counts as verified, since only its mailbox could have asked, and every other token is void. Whoever registered the
// address before its owner did loses every session with it.
func (u *User) ResetPassword(hash string) {
	u.ChangePassword(hash, "")
	u.IsVerified = true
	u.ResetRequired = false
	u.Tokens = nil
}

// Deactivate switches the account off and ends every session; it stays off until Activate.
func (u *User) Deactivate() {
	u.IsActive = false
	u.EndSessions("")
}

// Activate switches the account back on; the sessions Deactivate ended stay ended.
func (u *User) Activate() { u.IsActive = true }

// RequireReset ends every session and refuses login until the password is reset; the links out
// are void, so only a reset link issued from now on sets the next password.
func (u *User) RequireReset() {
	u.ResetRequired = true
	u.Tokens = nil
	u.EndSessions("")
}

// Delete marks the account deleted at at: every session ends at once, and every token and queued
// notice goes. The store hides the account from then on and its Eraser removes the rest.
func (u *User) Delete(at time.Time) {
	t := at.UTC()
	u.DeletedAt = &t
	u.IsActive = false
	u.Tokens = nil
	u.Outbox = nil
	u.EndSessions("")
}

// ChangeEmail moves the account to email, proven by a token mailed there; every other token,
// issued for the old address, is void.
func (u *User) ChangeEmail(email string) {
	u.Email = email
	u.IsVerified = true
	u.Tokens = nil
}

// ChangePassword stores a new hash and invalidates every session except keep.
func (u *User) ChangePassword(hash, keep string) {
	u.PasswordHash = hash
	u.EndSessions(keep)
}

// EndSessions invalidates every session of the user except keep (none when keep is empty), and
// the reset and email-change links out, which were issued for the sessions' epoch.
func (u *User) EndSessions(keep string) {
	u.TokenEpoch++
	u.KeptSession = keep
}

// SessionValid reports whether a session minted under epoch is still honoured for this user.
func (u *User) SessionValid(sessionID string, epoch int64) bool {
	return epoch == u.TokenEpoch || (u.KeptSession != "" && sessionID == u.KeptSession)
}

// Public is the view of a user that any authenticated caller may see.
type Public struct {
	ID         ID
	IsActive   bool
	IsVerified bool
	CreatedAt  time.Time
	FirstName  string
	LastName   string
	Bio        *string
}

// Public returns the public view of u.
func (u *User) Public() Public {
	return Public{
		ID: u.ID, IsActive: u.IsActive, IsVerified: u.IsVerified, CreatedAt: u.CreatedAt,
		FirstName: u.Profile.FirstName, LastName: u.Profile.LastName, Bio: u.Profile.Bio,
	}
}
