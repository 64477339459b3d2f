package fake

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

var _ mail.Outbox = (*Outbox)(nil)

// Outbox is a map-backed mail.Outbox.
type Outbox struct {
	mu     sync.Mutex
	byID   map[string]*queued
	nextNo int
}

type queued struct {
	mail.Message
	no         int // enqueue order, to break ties between messages due at once
	leaseUntil time.Time
}

// NewOutbox returns an empty Outbox.
func NewOutbox() *Outbox { return &Outbox{byID: map[string]*queued{}} }

// Enqueue implements mail.Outbox.
func (o *Outbox) Enqueue(_ context.Context, n user.Notice) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.byID[n.ID]; ok {
		return nil
	}
	o.nextNo++
	o.byID[n.ID] = &queued{Message: mail.Message{Notice: n, DueAt: n.CreatedAt}, no: o.nextNo}
	return nil
}

// Claim implements mail.Outbox.
func (o *Outbox) Claim(_ context.Context, now time.Time, lease time.Duration) (*mail.Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var due []*queued
	for _, q := range o.byID {
		if !q.DueAt.After(now) && !q.leaseUntil.After(now) {
			due = append(due, q)
		}
	}
	if len(due) == 0 {
		return nil, mail.ErrEmpty
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].DueAt.Equal(due[j].DueAt) {
			return due[i].DueAt.Before(due[j].DueAt)
		}
		return due[i].no < due[j].no
	})
	q := due[0]
	q.leaseUntil = now.Add(lease)
	m := q.Message
	return &m, nil
}

// Sent implements mail.Outbox.
func (o *Outbox) Sent(_ context.Context, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.byID, id)
	return nil
}

// Retry implements mail.Outbox.
func (o *Outbox) Retry(_ context.Context, id string, at time.Time, reason string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if q, ok := o.byID[id]; ok {
		q.Attempts++
		q.DueAt, q.LastError, q.leaseUntil = at, reason, time.Time{}
	}
	return nil
}

// Backlog implements mail.Outbox.
func (o *Outbox) Backlog(_ context.Context) (mail.Backlog, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := mail.Backlog{Count: len(o.byID)}
	for _, q := range o.byID {
		if b.Oldest.IsZero() || q.CreatedAt.Before(b.Oldest) {
			b.Oldest = q.CreatedAt
		}
	}
	return b, nil
}

// Messages returns the queued messages in the order they were queued.
func (o *Outbox) Messages() []mail.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	qs := make([]*queued, 0, len(o.byID))
	for _, q := range o.byID {
		qs = append(qs, q)
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].no < qs[j].no })
	out := make([]mail.Message, len(qs))
	for i, q := range qs {
		out[i] = q.Message
	}
	return out
}
