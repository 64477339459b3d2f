package mongostore

import (
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

// The documents below are the stored shape, kept apart from the core types so that renaming a
// field in core never silently renames it on disk. Optional values are stored as null, not
// omitted, so every document has every field.

type userDoc struct {
	ID     string     `bson:"_id"`
	Fields userFields `bson:",inline"`
	// Outbox holds the notices written with the user and not yet moved into the mail collection:
	// each write appends its own, and the move takes out exactly those it copied (see Outbox).
	Outbox []bson.Raw `bson:"outbox"`
	// Events holds the events written with the user and not yet appended to its timeline, in the
	// order of the writes that carried them, as Outbox holds notices (see Users).
	Events []bson.Raw `bson:"events"`
}

// userFields are what Users.Update sets: all but the id and the pending notices and events.
type userFields struct {
	Email        string     `bson:"email"`
	PasswordHash string     `bson:"password_hash"`
	IsActive     bool       `bson:"is_active"`
	IsVerified   bool       `bson:"is_verified"`
	CreatedAt    time.Time  `bson:"created_at"`
	LastLogin    *time.Time `bson:"last_login"`
	Profile      profileDoc `bson:"profile"`
	TokenEpoch   int64      `bson:"token_epoch"`
	KeptSession  string     `bson:"kept_session"`
	Tokens       []tokenDoc `bson:"tokens"`
	// A document written before accounts had operators reads these as no roles, no reset and live.
	Roles         []string   `bson:"roles"`
	ResetRequired bool       `bson:"reset_required"`
	DeletedAt     *time.Time `bson:"deleted_at"`
	Version       int64      `bson:"version"` // this adapter's compare-and-swap counter; core never sees it
}

type tokenDoc struct {
	Purpose   string    `bson:"purpose"`
	Digest    string    `bson:"digest"`
	IssuedAt  time.Time `bson:"issued_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	Epoch     int64     `bson:"epoch"`
	Email     string    `bson:"email"`
	NewEmail  string    `bson:"new_email"`
}

// noticeDoc is a notice as a user document holds it until it is moved.
type noticeDoc struct {
	ID        string    `bson:"id"`
	Kind      string    `bson:"kind"`
	UserID    string    `bson:"user_id"`
	To        string    `bson:"to"`
	NewEmail  string    `bson:"new_email"`
	CreatedAt time.Time `bson:"created_at"`
}

// messageDoc is a message of the mail collection, keyed by its notice's id.
type messageDoc struct {
	ID         string    `bson:"_id"`
	Kind       string    `bson:"kind"`
	UserID     string    `bson:"user_id"`
	To         string    `bson:"to"`
	NewEmail   string    `bson:"new_email"`
	CreatedAt  time.Time `bson:"created_at"`
	Attempts   int       `bson:"attempts"`
	DueAt      time.Time `bson:"due_at"`
	LastError  string    `bson:"last_error"`
	LeaseUntil time.Time `bson:"lease_until"` // noLease when no courier holds it
}

type profileDoc struct {
	FirstName   string  `bson:"first_name"`
	LastName    string  `bson:"last_name"`
	Bio         *string `bson:"bio"`
	PhoneNumber *string `bson:"phone_number"`
}

// emailDoc is the key that makes an email unique; its _id is the normalised email. Nonce is drawn
// anew by every claim of the key, so that a clearer's delete, filtered on the nonce it read, misses
// a key claimed since (see Users).
type emailDoc struct {
	Email  string `bson:"_id"`
	UserID string `bson:"user_id"`
	Nonce  string `bson:"nonce"`
}

// sessionDoc is a session; one written before a field existed reads it as its zero value (no
// last use, no device, no rotation).
type sessionDoc struct {
	ID         string       `bson:"_id"`
	UserID     string       `bson:"user_id"`
	RefreshID  string       `bson:"refresh_id"`
	Epoch      int64        `bson:"epoch"`
	CreatedAt  time.Time    `bson:"created_at"`
	ExpiresAt  time.Time    `bson:"expires_at"`
	RevokedAt  *time.Time   `bson:"revoked_at"`
	LastUsedAt time.Time    `bson:"last_used_at"`
	Device     deviceDoc    `bson:"device"`
	Rotation   *rotationDoc `bson:"rotation"`
	Version    int64        `bson:"version"` // as userFields.Version
}

type deviceDoc struct {
	IP        string `bson:"ip"`
	UserAgent string `bson:"user_agent"`
}

type rotationDoc struct {
	From     string    `bson:"from"`
	AccessID string    `bson:"access_id"`
	At       time.Time `bson:"at"`
}

// newUserDoc is the stored shape of u, with no pending notices or events: a write adds those itself.
func newUserDoc(u *user.User) userDoc {
	return userDoc{ID: string(u.ID), Outbox: []bson.Raw{}, Events: []bson.Raw{}, Fields: userFields{
		Email: u.Email, PasswordHash: u.PasswordHash, IsActive: u.IsActive, IsVerified: u.IsVerified,
		CreatedAt: u.CreatedAt.UTC(), LastLogin: utcPtr(u.LastLogin),
		Profile: profileDoc{
			FirstName: u.Profile.FirstName, LastName: u.Profile.LastName,
			Bio: u.Profile.Bio, PhoneNumber: u.Profile.PhoneNumber,
		},
		TokenEpoch: u.TokenEpoch, KeptSession: u.KeptSession, Tokens: newTokenDocs(u.Tokens),
		Roles: user.RoleNames(u.Roles), ResetRequired: u.ResetRequired, DeletedAt: utcPtr(u.DeletedAt),
	}}
}

// user is the user d stores; its Outbox and Events are empty, whatever d still holds.
func (d *userDoc) user() *user.User {
	f := &d.Fields
	return &user.User{
		ID: user.ID(d.ID), Email: f.Email, PasswordHash: f.PasswordHash,
		IsActive: f.IsActive, IsVerified: f.IsVerified,
		CreatedAt: f.CreatedAt.UTC(), LastLogin: utcPtr(f.LastLogin),
		Profile: user.Profile{
			FirstName: f.Profile.FirstName, LastName: f.Profile.LastName,
			Bio: f.Profile.Bio, PhoneNumber: f.Profile.PhoneNumber,
		},
		TokenEpoch: f.TokenEpoch, KeptSession: f.KeptSession, Tokens: tokens(f.Tokens),
		Roles: user.ParseRoles(f.Roles), ResetRequired: f.ResetRequired, DeletedAt: utcPtr(f.DeletedAt),
	}
}

func newTokenDocs(ts []user.Token) []tokenDoc {
	docs := []tokenDoc{}
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
			Purpose: user.Purpose(d.Purpose), Digest: d.Digest, IssuedAt: d.IssuedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC(),
			Epoch: d.Epoch, Email: d.Email, NewEmail: d.NewEmail,
		})
	}
	return ts
}

// pendingNotices encodes ns as a user document holds them. The same bytes are appended to the
// document and, once copied to the mail collection, pulled from it, so the pull matches exactly.
func pendingNotices(ns []user.Notice) ([]bson.Raw, error) {
	raws := make([]bson.Raw, 0, len(ns))
	for _, n := range ns {
		raw, err := bson.Marshal(noticeDoc{
			ID: n.ID, Kind: string(n.Kind), UserID: string(n.UserID), To: n.To, NewEmail: n.NewEmail,
			CreatedAt: n.CreatedAt.UTC(),
		})
		if err != nil {
			return nil, fmt.Errorf("encode notice %s: %w", n.ID, err)
		}
		raws = append(raws, raw)
	}
	return raws, nil
}

// eventDoc is an event of the events collection, keyed by its id.
type eventDoc struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	Seq       int64     `bson:"seq"`
	Kind      string    `bson:"kind"`
	At        time.Time `bson:"at"`
	SessionID string    `bson:"session_id"`
	IP        string    `bson:"ip"`
	Detail    string    `bson:"detail"`
	Prev      string    `bson:"prev"`
}

// pendingEventDoc is an event as a user document holds it until it is appended: not linked yet.
type pendingEventDoc struct {
	ID        string    `bson:"id"`
	UserID    string    `bson:"user_id"`
	Kind      string    `bson:"kind"`
	At        time.Time `bson:"at"`
	SessionID string    `bson:"session_id"`
	IP        string    `bson:"ip"`
	Detail    string    `bson:"detail"`
}

// checkpointDoc is where the chain of the user with its _id starts after a prune.
type checkpointDoc struct {
	UserID string `bson:"_id"`
	Seq    int64  `bson:"seq"`
	Hash   string `bson:"hash"`
}

func newEventDoc(e audit.Event) eventDoc {
	return eventDoc{
		ID: e.ID, UserID: e.UserID, Seq: e.Seq, Kind: string(e.Kind), At: e.At.UTC(),
		SessionID: e.SessionID, IP: e.IP, Detail: e.Detail, Prev: e.Prev,
	}
}

func (d *eventDoc) event() audit.Event {
	return audit.Event{
		ID: d.ID, UserID: d.UserID, Seq: d.Seq, Kind: audit.Kind(d.Kind), At: d.At.UTC(),
		SessionID: d.SessionID, IP: d.IP, Detail: d.Detail, Prev: d.Prev,
	}
}

// pendingEvents encodes events as a user document holds them; like pendingNotices, the bytes
// appended are the bytes pulled.
func pendingEvents(events []audit.Event) ([]bson.Raw, error) {
	raws := make([]bson.Raw, 0, len(events))
	for _, e := range events {
		raw, err := bson.Marshal(pendingEventDoc{
			ID: e.ID, UserID: e.UserID, Kind: string(e.Kind), At: e.At.UTC().Truncate(time.Millisecond),
			SessionID: e.SessionID, IP: e.IP, Detail: e.Detail,
		})
		if err != nil {
			return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
		}
		raws = append(raws, raw)
	}
	return raws, nil
}

func decodePendingEvent(raw bson.Raw) (audit.Event, error) {
	var d pendingEventDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return audit.Event{}, fmt.Errorf("corrupt pending event: %w", err)
	}
	return audit.Event{
		ID: d.ID, UserID: d.UserID, Kind: audit.Kind(d.Kind), At: d.At.UTC(),
		SessionID: d.SessionID, IP: d.IP, Detail: d.Detail,
	}, nil
}

// newMessageDoc is n as a message due when it was created, held by no courier.
func newMessageDoc(n noticeDoc) messageDoc {
	return messageDoc{
		ID: n.ID, Kind: n.Kind, UserID: n.UserID, To: n.To, NewEmail: n.NewEmail, CreatedAt: n.CreatedAt.UTC(),
		DueAt: n.CreatedAt.UTC(), LeaseUntil: noLease,
	}
}

func (d *messageDoc) message() *mail.Message {
	return &mail.Message{
		Notice: user.Notice{
			ID: d.ID, Kind: user.NoticeKind(d.Kind), UserID: user.ID(d.UserID), To: d.To, NewEmail: d.NewEmail,
			CreatedAt: d.CreatedAt.UTC(),
		},
		Attempts: d.Attempts, DueAt: d.DueAt.UTC(), LastError: d.LastError,
	}
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

func (d *sessionDoc) session() *credential.Session {
	s := &credential.Session{
		ID: d.ID, UserID: d.UserID, RefreshID: d.RefreshID, Epoch: d.Epoch,
		CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC(), RevokedAt: utcPtr(d.RevokedAt),
		LastUsedAt: d.LastUsedAt.UTC(), Device: credential.Device{IP: d.Device.IP, UserAgent: d.Device.UserAgent},
	}
	if r := d.Rotation; r != nil {
		s.Rotation = &credential.Rotation{From: r.From, AccessID: r.AccessID, At: r.At.UTC()}
	}
	return s
}

// utcPtr copies t in UTC, so a stored or returned time never shares memory with the caller's.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
