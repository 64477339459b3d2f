// Package audit keeps each account's security timeline: what happened to it (logins, password and
// email changes, sessions ended), as a hash chain that shows any later edit. Each event carries
// the SHA-256 of the canonical encoding of the event before it, so changing, removing or
// reordering a stored event breaks every link after it.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Kind names what happened.
type Kind string

// The kinds of events.
const (
	Registered           Kind = "registered"
	LoginSucceeded       Kind = "login_succeeded"
	LoginFailed          Kind = "login_failed" // Detail: wrong_password, locked_out or inactive
	LockoutStarted       Kind = "lockout_started"
	PasswordChanged      Kind = "password_changed"
	PasswordReset        Kind = "password_reset"
	EmailVerified        Kind = "email_verified"
	EmailChangeRequested Kind = "email_change_requested"
	EmailChanged         Kind = "email_changed"
	SessionRevoked       Kind = "session_revoked" // Detail: by user, logout, password_change, reset, reuse_detected, operator
	RefreshReuseDetected Kind = "refresh_token_reuse_detected"
	// An operator's actions; Detail names the operator ("operator:<id>"), or for roles also "cli"
	// or "config".
	AccountDeactivated    Kind = "account_deactivated"
	AccountActivated      Kind = "account_activated"
	PasswordResetRequired Kind = "password_reset_required"
	AccountDeleted        Kind = "account_deleted" // Detail: "user" when its owner deleted it
	RoleGranted           Kind = "role_granted"
	RoleRevoked           Kind = "role_revoked"
	AccountExported       Kind = "account_exported"
)

// Event is one entry of a user's timeline. Nothing in it is secret: no password, token or full
// client address.
type Event struct {
	ID        string // unique: storing an event twice stores it once
	UserID    string
	Seq       int64 // 1, 2, 3… per user, set by Link
	Kind      Kind
	At        time.Time // to the millisecond, UTC
	SessionID string    // the session it happened in or to, if any
	IP        string    // the client's network (see credential.Client.Device), if known
	Detail    string    // a reason or who did it, in the words the kinds above give
	Prev      string    // hex SHA-256 of the previous event's encoding; a chain's first event links to its checkpoint
}

// New returns an event of kind for userID at at, not yet linked into a chain.
func New(id, userID string, kind Kind, at time.Time) Event {
	return Event{ID: id, UserID: userID, Kind: kind, At: at.UTC().Truncate(time.Millisecond)}
}

// TimeLayout is how an event's time is written in its canonical encoding: RFC 3339, UTC, with
// exactly three digits of milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// canonical is the encoding an event's hash is taken over: every field, in this order, times as
// RFC 3339 with milliseconds. It is this package's, whatever a store keeps.
type canonical struct {
	ID        string `json:"id"`
	UserID    string `json:"user_id"`
	Seq       int64  `json:"seq"`
	Kind      Kind   `json:"kind"`
	At        string `json:"at"`
	SessionID string `json:"session_id"`
	IP        string `json:"ip"`
	Detail    string `json:"detail"`
	Prev      string `json:"prev"`
}

// Hash is the hex SHA-256 of e's canonical encoding: what the next event's Prev must be.
func (e Event) Hash() string {
	b, err := json.Marshal(canonical{
		ID: e.ID, UserID: e.UserID, Seq: e.Seq, Kind: e.Kind, At: e.At.UTC().Format(TimeLayout),
		SessionID: e.SessionID, IP: e.IP, Detail: e.Detail, Prev: e.Prev,
	})
	if err != nil {
		panic(err) // strings and numbers always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Checkpoint is where a user's chain starts after older events were pruned: the last pruned
// event's Seq and Hash. The zero Checkpoint is the start of a chain nothing was pruned from.
type Checkpoint struct {
	Seq  int64
	Hash string
}

// Link makes e the event after head: the chain's last event, or, for a user whose events were
// all pruned or who has none, nil and the checkpoint.
func Link(head *Event, from Checkpoint, e Event) Event {
	if head == nil {
		e.Seq, e.Prev = from.Seq+1, from.Hash
		return e
	}
	e.Seq, e.Prev = head.Seq+1, head.Hash()
	return e
}

// Store keeps timelines in storage every replica shares.
type Store interface {
	// Append links e after the user's last event (with Link) and stores it, atomically: of
	// concurrent appends for one user each gets its own Seq, and none links to an event another
	// also links to. An event whose ID is stored already is not stored again; Append returns the
	// stored one.
	Append(ctx context.Context, e Event) (Event, error)
	// Page returns at most limit of the user's events with Seq below before (0: from the newest),
	// newest first.
	Page(ctx context.Context, userID string, before int64, limit int) ([]Event, error)
	// Chain returns the user's events oldest first and the checkpoint their chain starts from.
	// It reads the events before the checkpoint, so a prune in between leaves only events at or
	// below the checkpoint's Seq extra, which Verify skips.
	Chain(ctx context.Context, userID string) (Checkpoint, []Event, error)
	// Users calls fn with the id of every user who has events or a checkpoint.
	Users(ctx context.Context, fn func(userID string) error) error
	// Prune deletes every event older than cutoff, moving each user's checkpoint to the last
	// event it deleted, so the chain that remains still verifies.
	Prune(ctx context.Context, cutoff time.Time) (deleted int, err error)
}

// Report is what verifying a chain found.
type Report struct {
	Valid  bool
	Events int    // events checked
	Head   string // hash of the last event checked (the checkpoint's when there was none)
	// Broken is the first event whose link does not hold, and why; nil when Valid.
	Broken *Break
}

// Break is a link that does not hold.
type Break struct {
	Seq    int64
	ID     string
	Reason string
}

// Verify checks the user's chain and reports the first link that does not hold.
func Verify(ctx context.Context, store Store, userID string) (Report, error) {
	from, events, err := store.Chain(ctx, userID)
	if err != nil {
		return Report{}, fmt.Errorf("verify the timeline of %s: %w", userID, err)
	}
	return check(userID, from, events), nil
}

// check verifies events, oldest first, as the chain that starts at from.
func check(userID string, from Checkpoint, events []Event) Report {
	r := Report{Valid: true, Head: from.Hash}
	wantSeq, wantPrev := from.Seq+1, from.Hash
	for _, e := range events {
		if e.Seq <= from.Seq {
			continue // pruned while the chain was read
		}
		switch {
		case e.UserID != userID:
			r.Broken = &Break{Seq: e.Seq, ID: e.ID, Reason: "the event belongs to another user"}
		case e.Seq != wantSeq:
			r.Broken = &Break{Seq: e.Seq, ID: e.ID, Reason: fmt.Sprintf("sequence %d where %d was due: an event is missing or was added", e.Seq, wantSeq)}
		case e.Prev != wantPrev:
			r.Broken = &Break{Seq: e.Seq, ID: e.ID, Reason: "its link does not match the event before it: that event was changed, or this one was"}
		}
		if r.Broken != nil {
			r.Valid = false
			return r
		}
		r.Events++
		r.Head = e.Hash()
		wantSeq, wantPrev = e.Seq+1, r.Head
	}
	return r
}

// Log records events that no change to the user carries (a failed login, a reused refresh
// token, an ended session): straight to the store. Recording never fails its caller: a store
// error goes to OnError.
type Log struct {
	Store   Store
	OnError func(error) // may be nil
}

// Record appends e.
func (l *Log) Record(ctx context.Context, e Event) {
	if l == nil || l.Store == nil {
		return
	}
	if _, err := l.Store.Append(ctx, e); err != nil && l.OnError != nil {
		l.OnError(fmt.Errorf("record %s event for %s: %w", e.Kind, e.UserID, err))
	}
}
