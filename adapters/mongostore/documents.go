package mongostore

import (
	"time"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// The documents below are the stored shape, kept apart from the core types so that renaming a
// field in core never silently renames it on disk. Optional values are stored as null, not
// omitted, so every document has every field.

type userDoc struct {
	ID     string     `bson:"_id"`
	Email  string     `bson:"email"`
	Fields userFields `bson:",inline"`
}

// userFields are what Users.Update may change: all but the id and the email, which its key names.
type userFields struct {
	PasswordHash string     `bson:"password_hash"`
	IsActive     bool       `bson:"is_active"`
	IsVerified   bool       `bson:"is_verified"`
	CreatedAt    time.Time  `bson:"created_at"`
	LastLogin    *time.Time `bson:"last_login"`
	Profile      profileDoc `bson:"profile"`
	TokenEpoch   int64      `bson:"token_epoch"`
	KeptSession  string     `bson:"kept_session"`
	Version      int64      `bson:"version"` // this adapter's compare-and-swap counter; core never sees it
}

type profileDoc struct {
	FirstName   string  `bson:"first_name"`
	LastName    string  `bson:"last_name"`
	Bio         *string `bson:"bio"`
	PhoneNumber *string `bson:"phone_number"`
}

// emailDoc is the key that makes an email unique; its _id is the normalised email.
type emailDoc struct {
	Email  string `bson:"_id"`
	UserID string `bson:"user_id"`
}

type sessionDoc struct {
	ID        string     `bson:"_id"`
	UserID    string     `bson:"user_id"`
	RefreshID string     `bson:"refresh_id"`
	Epoch     int64      `bson:"epoch"`
	CreatedAt time.Time  `bson:"created_at"`
	ExpiresAt time.Time  `bson:"expires_at"`
	RevokedAt *time.Time `bson:"revoked_at"`
	Version   int64      `bson:"version"` // as userFields.Version
}

func newUserDoc(u *user.User) userDoc {
	return userDoc{ID: string(u.ID), Email: u.Email, Fields: userFields{
		PasswordHash: u.PasswordHash, IsActive: u.IsActive, IsVerified: u.IsVerified,
		CreatedAt: u.CreatedAt.UTC(), LastLogin: utcPtr(u.LastLogin),
		Profile: profileDoc{
			FirstName: u.Profile.FirstName, LastName: u.Profile.LastName,
			Bio: u.Profile.Bio, PhoneNumber: u.Profile.PhoneNumber,
		},
		TokenEpoch: u.TokenEpoch, KeptSession: u.KeptSession,
	}}
}

func (d *userDoc) user() *user.User {
	f := &d.Fields
	return &user.User{
		ID: user.ID(d.ID), Email: d.Email, PasswordHash: f.PasswordHash,
		IsActive: f.IsActive, IsVerified: f.IsVerified,
		CreatedAt: f.CreatedAt.UTC(), LastLogin: utcPtr(f.LastLogin),
		Profile: user.Profile{
			FirstName: f.Profile.FirstName, LastName: f.Profile.LastName,
			Bio: f.Profile.Bio, PhoneNumber: f.Profile.PhoneNumber,
		},
		TokenEpoch: f.TokenEpoch, KeptSession: f.KeptSession,
	}
}

func newSessionDoc(s *credential.Session) sessionDoc {
	return sessionDoc{
		ID: s.ID, UserID: s.UserID, RefreshID: s.RefreshID, Epoch: s.Epoch,
		CreatedAt: s.CreatedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(), RevokedAt: utcPtr(s.RevokedAt),
	}
}

func (d *sessionDoc) session() *credential.Session {
	return &credential.Session{
		ID: d.ID, UserID: d.UserID, RefreshID: d.RefreshID, Epoch: d.Epoch,
		CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC(), RevokedAt: utcPtr(d.RevokedAt),
	}
}

// utcPtr copies t in UTC, so a stored or returned time never shares memory with the caller's.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
