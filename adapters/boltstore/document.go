package boltstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// userDoc is how a user is laid out on disk; its tags, not the core type's field names, are the format.
type userDoc struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	PasswordHash string     `json:"password_hash"`
	IsActive     bool       `json:"is_active"`
	IsVerified   bool       `json:"is_verified"`
	CreatedAt    time.Time  `json:"created_at"`
	LastLogin    *time.Time `json:"last_login,omitempty"`
	FirstName    string     `json:"first_name"`
	LastName     string     `json:"last_name"`
	Bio          *string    `json:"bio,omitempty"`
	PhoneNumber  *string    `json:"phone_number,omitempty"`
	TokenEpoch   int64      `json:"token_epoch"`
	KeptSession  string     `json:"kept_session,omitempty"`
	Tokens       []tokenDoc `json:"tokens,omitempty"`
	// Written since accounts have operators; a document from before reads them as none, no and live.
	Roles         []string   `json:"roles,omitempty"`
	ResetRequired bool       `json:"reset_required,omitempty"`
	DeletedAt     *time.Time `json:"deleted_at,omitempty"`
}

// tokenDoc is the stored half of a one-time token.
type tokenDoc struct {
	Purpose   string    `json:"purpose"`
	Digest    string    `json:"digest"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Epoch     int64     `json:"epoch"`
	Email     string    `json:"email"`
	NewEmail  string    `json:"new_email,omitempty"`
}

func newUserDoc(u *user.User) userDoc {
	return userDoc{
		ID: string(u.ID), Email: u.Email, PasswordHash: u.PasswordHash,
		IsActive: u.IsActive, IsVerified: u.IsVerified,
		CreatedAt: u.CreatedAt.UTC(), LastLogin: utcPtr(u.LastLogin),
		FirstName: u.Profile.FirstName, LastName: u.Profile.LastName,
		Bio: u.Profile.Bio, PhoneNumber: u.Profile.PhoneNumber,
		TokenEpoch: u.TokenEpoch, KeptSession: u.KeptSession, Tokens: newTokenDocs(u.Tokens),
		Roles: user.RoleNames(u.Roles), ResetRequired: u.ResetRequired, DeletedAt: utcPtr(u.DeletedAt),
	}
}

func (d userDoc) user() *user.User {
	return &user.User{
		ID: user.ID(d.ID), Email: d.Email, PasswordHash: d.PasswordHash,
		IsActive: d.IsActive, IsVerified: d.IsVerified,
		CreatedAt: d.CreatedAt, LastLogin: d.LastLogin,
		Profile:    user.Profile{FirstName: d.FirstName, LastName: d.LastName, Bio: d.Bio, PhoneNumber: d.PhoneNumber},
		TokenEpoch: d.TokenEpoch, KeptSession: d.KeptSession, Tokens: tokens(d.Tokens),
		Roles: user.ParseRoles(d.Roles), ResetRequired: d.ResetRequired, DeletedAt: d.DeletedAt,
	}
}

func newTokenDocs(ts []user.Token) []tokenDoc {
	var docs []tokenDoc
	for _, t := range ts {
		docs = append(docs, tokenDoc{
			Purpose: string(t.Purpose), Digest: t.Digest, IssuedAt: t.IssuedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(),
			Epoch: t.Epoch, Email: t.Email, NewEmail: t.NewEmail,
		})
	}
	return docs
}

func tokens(docs []tokenDoc) []user.Token {
	var ts []user.Token
	for _, d := range docs {
		ts = append(ts, user.Token{
			Purpose: user.Purpose(d.Purpose), Digest: d.Digest, IssuedAt: d.IssuedAt, ExpiresAt: d.ExpiresAt,
			Epoch: d.Epoch, Email: d.Email, NewEmail: d.NewEmail,
		})
	}
	return ts
}

// decodeUser parses the document stored under key. The result shares no memory with raw, so it
// outlives the transaction.
func decodeUser(key, raw []byte) (userDoc, error) {
	var d userDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return userDoc{}, fmt.Errorf("corrupt user document %q: %w", key, err)
	}
	// A document that parses but names another user (or none, like "{}") is just as broken.
	if d.ID != string(key) {
		return userDoc{}, fmt.Errorf("corrupt user document %q: it holds id %q", key, d.ID)
	}
	return d, nil
}

// sessionDoc is how a session is laid out on disk. A document written before a field existed
// reads it as its zero value: no last use, no device, no rotation.
type sessionDoc struct {
	ID         string       `json:"id"`
	UserID     string       `json:"user_id"`
	RefreshID  string       `json:"refresh_id"`
	Epoch      int64        `json:"epoch"`
	CreatedAt  time.Time    `json:"created_at"`
	ExpiresAt  time.Time    `json:"expires_at"`
	RevokedAt  *time.Time   `json:"revoked_at,omitempty"`
	LastUsedAt time.Time    `json:"last_used_at"`
	Device     deviceDoc    `json:"device"`
	Rotation   *rotationDoc `json:"rotation,omitempty"`
}

type deviceDoc struct {
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

type rotationDoc struct {
	From     string    `json:"from"`
	AccessID string    `json:"access_id"`
	At       time.Time `json:"at"`
}

func newSessionDoc(s *credential.Session) sessionDoc {
	d := sessionDoc{
		ID: s.ID, UserID: s.UserID, RefreshID: s.RefreshID, Epoch: s.Epoch,
		CreatedAt: s.CreatedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(), RevokedAt: utcPtr(s.RevokedAt),
		LastUsedAt: s.LastUsedAt.UTC(), Device: deviceDoc{IP: s.Device.IP, UserAgent: s.Device.UserAgent},
	}
	if r := s.Rotation; r != nil {
		d.Rotation = &rotationDoc{From: r.From, AccessID: r.AccessID, At: r.At.UTC()}
	}
	return d
}

func (d sessionDoc) session() *credential.Session {
	s := &credential.Session{
		ID: d.ID, UserID: d.UserID, RefreshID: d.RefreshID, Epoch: d.Epoch,
		CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt, RevokedAt: d.RevokedAt,
		LastUsedAt: d.LastUsedAt, Device: credential.Device{IP: d.Device.IP, UserAgent: d.Device.UserAgent},
	}
	if r := d.Rotation; r != nil {
		s.Rotation = &credential.Rotation{From: r.From, AccessID: r.AccessID, At: r.At}
	}
	return s
}

// decodeSession parses the document stored under key into memory independent of raw.
func decodeSession(key, raw []byte) (sessionDoc, error) {
	var d sessionDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return sessionDoc{}, fmt.Errorf("corrupt session document %q: %w", key, err)
	}
	if d.ID != string(key) {
		return sessionDoc{}, fmt.Errorf("corrupt session document %q: it holds id %q", key, d.ID)
	}
	return d, nil
}

// eventDoc is how an event is laid out on disk. Reads take every field from it, not from its
// key, so that what Verify checks is what is stored.
type eventDoc struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	Seq       int64     `json:"seq"`
	Kind      string    `json:"kind"`
	At        time.Time `json:"at"`
	SessionID string    `json:"session_id,omitempty"`
	IP        string    `json:"ip,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Prev      string    `json:"prev"`
}

type checkpointDoc struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

func (d eventDoc) event() audit.Event {
	return audit.Event{
		ID: d.ID, UserID: d.UserID, Seq: d.Seq, Kind: audit.Kind(d.Kind), At: d.At.UTC(),
		SessionID: d.SessionID, IP: d.IP, Detail: d.Detail, Prev: d.Prev,
	}
}

// decodeEvent parses the event stored under key into memory independent of raw.
func decodeEvent(key, raw []byte) (eventDoc, error) {
	var d eventDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return eventDoc{}, fmt.Errorf("corrupt event %q: %w", key, err)
	}
	return d, nil
}

// encode marshals a document; the documents hold only plain fields, so failure means a bug, reported
// as an error all the same.
func encode(kind, id string, doc any) ([]byte, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode %s %q: %w", kind, id, err)
	}
	return raw, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
