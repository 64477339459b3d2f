package metrics

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
)

// observe records one storage operation. Errors in expected are answers the core asks for (not
// found, email taken, a lost race), not database failures, so they don't count as errors.
func (r *Recorder) observe(store, op string, began time.Time, err error, expected ...error) {
	r.storeLatency.WithLabelValues(store, op).Observe(time.Since(began).Seconds())
	if err == nil {
		return
	}
	for _, e := range expected {
		if errors.Is(err, e) {
			return
		}
	}
	r.storeFailures.WithLabelValues(store, op).Inc()
}

// Users times a user.Store.
type Users struct {
	Next user.Store
	Rec  *Recorder
}

// Insert implements user.Store.
func (s Users) Insert(ctx context.Context, u *user.User) (err error) {
	defer func(began time.Time) { s.Rec.observe("users", "insert", began, err, user.ErrEmailTaken) }(time.Now())
	return s.Next.Insert(ctx, u)
}

// ByID implements user.Store.
func (s Users) ByID(ctx context.Context, id user.ID) (u *user.User, err error) {
	defer func(began time.Time) { s.Rec.observe("users", "by_id", began, err, user.ErrNotFound) }(time.Now())
	return s.Next.ByID(ctx, id)
}

// ByEmail implements user.Store.
func (s Users) ByEmail(ctx context.Context, email string) (u *user.User, err error) {
	defer func(began time.Time) { s.Rec.observe("users", "by_email", began, err, user.ErrNotFound) }(time.Now())
	return s.Next.ByEmail(ctx, email)
}

// Update implements user.Store.
func (s Users) Update(ctx context.Context, id user.ID, change func(*user.User) error) (u *user.User, err error) {
	c := judged(change)
	defer func(began time.Time) {
		s.Rec.observe("users", "update", began, err, append(c.answers(), user.ErrConflict, user.ErrNotFound)...)
	}(time.Now())
	return s.Next.Update(ctx, id, c.run)
}

// Sessions times a credential.SessionStore.
type Sessions struct {
	Next credential.SessionStore
	Rec  *Recorder
}

// Create implements credential.SessionStore.
func (s Sessions) Create(ctx context.Context, sess *credential.Session) (err error) {
	defer func(began time.Time) { s.Rec.observe("sessions", "create", began, err) }(time.Now())
	return s.Next.Create(ctx, sess)
}

// ByID implements credential.SessionStore.
func (s Sessions) ByID(ctx context.Context, id string) (sess *credential.Session, err error) {
	defer func(began time.Time) {
		s.Rec.observe("sessions", "by_id", began, err, credential.ErrSessionNotFound)
	}(time.Now())
	return s.Next.ByID(ctx, id)
}

// ByUser implements credential.SessionStore.
func (s Sessions) ByUser(ctx context.Context, userID string, now time.Time) (sessions []*credential.Session, err error) {
	defer func(began time.Time) { s.Rec.observe("sessions", "by_user", began, err) }(time.Now())
	return s.Next.ByUser(ctx, userID, now)
}

// Open implements credential.SessionStore.
func (s Sessions) Open(ctx context.Context, sess *credential.Session, record func(*user.User) error) (u *user.User, err error) {
	c := judged(record)
	defer func(began time.Time) {
		s.Rec.observe("sessions", "open", began, err, append(c.answers(), user.ErrConflict, user.ErrNotFound)...)
	}(time.Now())
	return s.Next.Open(ctx, sess, c.run)
}

// Update implements credential.SessionStore.
func (s Sessions) Update(ctx context.Context, id string, change func(*credential.Session) error) (sess *credential.Session, err error) {
	c := judged(change)
	defer func(began time.Time) {
		s.Rec.observe("sessions", "update", began, err, append(c.answers(), credential.ErrSessionNotFound)...)
	}(time.Now())
	return s.Next.Update(ctx, id, c.run)
}

// Attempts times a throttle.Store.
type Attempts struct {
	Next throttle.Store
	Rec  *Recorder
}

// Update implements throttle.Store.
func (s Attempts) Update(ctx context.Context, key string, change func(*throttle.Attempts) error) (a *throttle.Attempts, err error) {
	c := judged(change)
	defer func(began time.Time) { s.Rec.observe("attempts", "update", began, err, c.answers()...) }(time.Now())
	return s.Next.Update(ctx, key, c.run)
}

// Outbox times a mail.Outbox.
type Outbox struct {
	Next mail.Outbox
	Rec  *Recorder
}

// Enqueue implements mail.Outbox.
func (s Outbox) Enqueue(ctx context.Context, n user.Notice) (err error) {
	defer func(began time.Time) { s.Rec.observe("outbox", "enqueue", began, err) }(time.Now())
	return s.Next.Enqueue(ctx, n)
}

// Claim implements mail.Outbox.
func (s Outbox) Claim(ctx context.Context, now time.Time, lease time.Duration) (m *mail.Message, err error) {
	defer func(began time.Time) { s.Rec.observe("outbox", "claim", began, err, mail.ErrEmpty) }(time.Now())
	return s.Next.Claim(ctx, now, lease)
}

// Sent implements mail.Outbox.
func (s Outbox) Sent(ctx context.Context, id string) (err error) {
	defer func(began time.Time) { s.Rec.observe("outbox", "sent", began, err) }(time.Now())
	return s.Next.Sent(ctx, id)
}

// Retry implements mail.Outbox.
func (s Outbox) Retry(ctx context.Context, id string, at time.Time, reason string) (err error) {
	defer func(began time.Time) { s.Rec.observe("outbox", "retry", began, err) }(time.Now())
	return s.Next.Retry(ctx, id, at, reason)
}

// Backlog implements mail.Outbox.
func (s Outbox) Backlog(ctx context.Context) (b mail.Backlog, err error) {
	defer func(began time.Time) { s.Rec.observe("outbox", "backlog", began, err) }(time.Now())
	return s.Next.Backlog(ctx)
}

// Timeline times an audit.Store.
type Timeline struct {
	Next audit.Store
	Rec  *Recorder
}

// Append implements audit.Store.
func (s Timeline) Append(ctx context.Context, e audit.Event) (stored audit.Event, err error) {
	defer func(began time.Time) { s.Rec.observe("timeline", "append", began, err) }(time.Now())
	return s.Next.Append(ctx, e)
}

// Page implements audit.Store.
func (s Timeline) Page(ctx context.Context, userID string, before int64, limit int) (events []audit.Event, err error) {
	defer func(began time.Time) { s.Rec.observe("timeline", "page", began, err) }(time.Now())
	return s.Next.Page(ctx, userID, before, limit)
}

// Chain implements audit.Store.
func (s Timeline) Chain(ctx context.Context, userID string) (from audit.Checkpoint, events []audit.Event, err error) {
	defer func(began time.Time) { s.Rec.observe("timeline", "chain", began, err) }(time.Now())
	return s.Next.Chain(ctx, userID)
}

// Users implements audit.Store; an error of fn is the caller's, not the store's.
func (s Timeline) Users(ctx context.Context, fn func(userID string) error) (err error) {
	c := judged(fn)
	defer func(began time.Time) { s.Rec.observe("timeline", "users", began, err, c.answers()...) }(time.Now())
	return s.Next.Users(ctx, c.run)
}

// Prune implements audit.Store.
func (s Timeline) Prune(ctx context.Context, cutoff time.Time) (deleted int, err error) {
	defer func(began time.Time) { s.Rec.observe("timeline", "prune", began, err) }(time.Now())
	return s.Next.Prune(ctx, cutoff)
}

// verdicts wraps a store update's change function and remembers what it answered: an error it returns
// is the core's verdict on the data (a spent refresh token, a lockout), not a failure of the store.
type verdicts[T any] struct {
	fn       func(T) error
	answered []error
	mu       sync.Mutex
}

func judged[T any](fn func(T) error) *verdicts[T] { return &verdicts[T]{fn: fn} }

func (c *verdicts[T]) run(v T) error {
	err := c.fn(v)
	if err != nil {
		c.mu.Lock()
		c.answered = append(c.answered, err)
		c.mu.Unlock()
	}
	return err
}

func (c *verdicts[T]) answers() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered
}
