package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

var _ mail.Outbox = (*Outbox)(nil)

// Outbox is a mail.Outbox: one document per message in the mail bucket, keyed by notice id. Users
// and Sessions.Open put a written user's notices there in the transaction that writes the user.
//
// An index kept in the same transactions (see queue) lets Claim and Backlog read a key or two
// however many messages an outage of the mail server piled up. Claim takes the message ready
// soonest: due and not leased. That is the one due soonest except after a lease ran out, when the
// message is ordered by the lease's end, the time it became claimable again, rather than by its
// earlier DueAt: ordering those by DueAt would take a scan of every lease that ran out.
type Outbox struct {
	bolt *file
}

// messageDoc is how a message is laid out on disk.
type messageDoc struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	UserID     string    `json:"user_id,omitempty"`
	To         string    `json:"to"`
	NewEmail   string    `json:"new_email,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Attempts   int       `json:"attempts"`
	DueAt      time.Time `json:"due_at"`
	LastError  string    `json:"last_error,omitempty"`
	LeaseUntil time.Time `json:"lease_until"` // zero when no courier holds it
}

// ready is when d may next be claimed: once it is due and its lease, if any, is over.
func (d messageDoc) ready() time.Time {
	if d.LeaseUntil.After(d.DueAt) {
		return d.LeaseUntil
	}
	return d.DueAt
}

func (d messageDoc) message() *mail.Message {
	return &mail.Message{
		Notice: user.Notice{
			ID: d.ID, Kind: user.NoticeKind(d.Kind), UserID: user.ID(d.UserID), To: d.To, NewEmail: d.NewEmail,
			CreatedAt: d.CreatedAt,
		},
		Attempts: d.Attempts, DueAt: d.DueAt, LastError: d.LastError,
	}
}

func decodeMessage(key, raw []byte) (messageDoc, error) {
	var d messageDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return messageDoc{}, fmt.Errorf("corrupt message document %q: %w", key, err)
	}
	if d.ID != string(key) {
		return messageDoc{}, fmt.Errorf("corrupt message document %q: it holds id %q", key, d.ID)
	}
	return d, nil
}

// enqueue stores n in tx as a message due when it was created, unless its id is stored already.
func enqueue(tx *bolt.Tx, n user.Notice) error {
	q := queueOf(tx)
	if q.mail.Get([]byte(n.ID)) != nil {
		return nil
	}
	return q.put(nil, messageDoc{
		ID: n.ID, Kind: string(n.Kind), UserID: string(n.UserID), To: n.To, NewEmail: n.NewEmail,
		CreatedAt: n.CreatedAt.UTC(), DueAt: n.CreatedAt.UTC(),
	})
}

// Enqueue implements mail.Outbox.
func (o *Outbox) Enqueue(ctx context.Context, n user.Notice) error {
	return write(ctx, o.bolt, "enqueue message "+n.ID, func(tx *bolt.Tx) error { return enqueue(tx, n) })
}

// Claim implements mail.Outbox. It looks in a read transaction first, so that a courier polling
// an outbox with nothing due commits nothing.
func (o *Outbox) Claim(ctx context.Context, now time.Time, lease time.Duration) (*mail.Message, error) {
	var due bool
	err := read(ctx, o.bolt, "find due message", func(tx *bolt.Tx) error {
		due = queueOf(tx).head(now) != nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !due {
		return nil, mail.ErrEmpty
	}
	var out *mail.Message
	err = update(ctx, o.bolt, "claim message", func(tx *bolt.Tx, refuse func(error)) error {
		out = nil
		q := queueOf(tx)
		was, err := q.claimable(now)
		if err != nil {
			return err
		}
		if was == nil {
			refuse(mail.ErrEmpty) // claimed by another courier since the look
			return nil
		}
		d := *was
		d.LeaseUntil = now.Add(lease).UTC()
		if err := q.put(was, d); err != nil {
			return err
		}
		out = d.message()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Sent implements mail.Outbox.
func (o *Outbox) Sent(ctx context.Context, id string) error {
	return write(ctx, o.bolt, "delete message "+id, func(tx *bolt.Tx) error {
		q := queueOf(tx)
		d, err := q.get([]byte(id))
		if err != nil || d == nil {
			return err
		}
		return q.remove(*d)
	})
}

// Retry implements mail.Outbox; a message no longer stored (sent meanwhile) stays gone.
func (o *Outbox) Retry(ctx context.Context, id string, at time.Time, reason string) error {
	return write(ctx, o.bolt, "retry message "+id, func(tx *bolt.Tx) error {
		q := queueOf(tx)
		was, err := q.get([]byte(id))
		if err != nil || was == nil {
			return err
		}
		d := *was
		d.Attempts++
		d.DueAt, d.LastError, d.LeaseUntil = at.UTC(), reason, time.Time{}
		return q.put(was, d)
	})
}

// Backlog implements mail.Outbox.
func (o *Outbox) Backlog(ctx context.Context) (mail.Backlog, error) {
	var bl mail.Backlog
	err := read(ctx, o.bolt, "count messages", func(tx *bolt.Tx) error {
		var err error
		bl, err = queueOf(tx).backlog()
		return err
	})
	return bl, err
}
