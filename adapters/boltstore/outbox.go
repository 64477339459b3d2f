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
// Claim finds the message due soonest by scanning the bucket. The bucket holds only messages not
// yet delivered, a handful in normal operation since each goes out within seconds of being
// queued, so a scan costs less than a second bucket ordered by due time that every write would
// have to keep in step; even the thousands an outage of the mail server may pile up scan in far
// less time than one delivery takes.
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
	b, key := tx.Bucket(bucketMail), []byte(n.ID)
	if b.Get(key) != nil {
		return nil
	}
	raw, err := encode("message", n.ID, messageDoc{
		ID: n.ID, Kind: string(n.Kind), UserID: string(n.UserID), To: n.To, NewEmail: n.NewEmail,
		CreatedAt: n.CreatedAt.UTC(), DueAt: n.CreatedAt.UTC(),
	})
	if err != nil {
		return err
	}
	if err := b.Put(key, raw); err != nil {
		return fmt.Errorf("put message: %w", err)
	}
	return nil
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
		d, err := dueSoonest(tx.Bucket(bucketMail), now)
		due = d != nil
		return err
	})
	if err != nil {
		return nil, err
	}
	if !due {
		return nil, mail.ErrEmpty
	}
	var out *mail.Message
	err = update(ctx, o.bolt, "claim message", func(tx *bolt.Tx, refuse func(error)) error {
		b := tx.Bucket(bucketMail)
		d, err := dueSoonest(b, now)
		if err != nil {
			return err
		}
		if d == nil {
			refuse(mail.ErrEmpty) // claimed by another courier since the look
			return nil
		}
		d.LeaseUntil = now.Add(lease).UTC()
		raw, err := encode("message", d.ID, d)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(d.ID), raw); err != nil {
			return fmt.Errorf("put message: %w", err)
		}
		out = d.message()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dueSoonest is the message of b with the earliest DueAt among those due at now and not leased,
// or nil.
func dueSoonest(b *bolt.Bucket, now time.Time) (*messageDoc, error) {
	var best *messageDoc
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		d, err := decodeMessage(k, v)
		if err != nil {
			return nil, err
		}
		if d.DueAt.After(now) || d.LeaseUntil.After(now) {
			continue
		}
		if best == nil || d.DueAt.Before(best.DueAt) {
			best = &d
		}
	}
	return best, nil
}

// Sent implements mail.Outbox.
func (o *Outbox) Sent(ctx context.Context, id string) error {
	return write(ctx, o.bolt, "delete message "+id, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMail).Delete([]byte(id))
	})
}

// Retry implements mail.Outbox; a message no longer stored (sent meanwhile) stays gone.
func (o *Outbox) Retry(ctx context.Context, id string, at time.Time, reason string) error {
	return write(ctx, o.bolt, "retry message "+id, func(tx *bolt.Tx) error {
		b, key := tx.Bucket(bucketMail), []byte(id)
		raw := b.Get(key)
		if raw == nil {
			return nil
		}
		d, err := decodeMessage(key, raw)
		if err != nil {
			return err
		}
		d.Attempts++
		d.DueAt, d.LastError, d.LeaseUntil = at.UTC(), reason, time.Time{}
		next, err := encode("message", id, d)
		if err != nil {
			return err
		}
		return b.Put(key, next)
	})
}

// Backlog implements mail.Outbox.
func (o *Outbox) Backlog(ctx context.Context) (mail.Backlog, error) {
	var bl mail.Backlog
	err := read(ctx, o.bolt, "count messages", func(tx *bolt.Tx) error {
		bl = mail.Backlog{}
		c := tx.Bucket(bucketMail).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			d, err := decodeMessage(k, v)
			if err != nil {
				return err
			}
			bl.Count++
			if bl.Oldest.IsZero() || d.CreatedAt.Before(bl.Oldest) {
				bl.Oldest = d.CreatedAt
			}
		}
		return nil
	})
	return bl, err
}
