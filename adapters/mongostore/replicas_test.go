package mongostore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/throttle"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/ferret"
)

// replicas are stores on one database, each with a client of its own, as separate service
// replicas hold them. Writers in one store take turns on a key, so the contracts' parallel
// writers are spread over several: only then do they race their compare-and-swaps, which is what
// orders writers of different replicas.
type replicas struct {
	stores []*mongostore.Store
	next   atomic.Uint32
}

// connectReplicas opens n stores on a database of its own and closes them when t ends.
func connectReplicas(t *testing.T, n int) (*replicas, string) {
	t.Helper()
	db := ferret.Database(t)
	r := &replicas{}
	for range n {
		s, err := mongostore.Connect(context.Background(), mongostore.Config{URI: ferret.URI(t), Database: db})
		if err != nil {
			t.Fatalf("Connect: %v", err)
		}
		t.Cleanup(func() { _ = s.Close(context.Background()) })
		r.stores = append(r.stores, s)
	}
	return r, db
}

// pick hands out the stores in turn.
func (r *replicas) pick() *mongostore.Store {
	return r.stores[int(r.next.Add(1))%len(r.stores)]
}

type replicaUsers struct{ *replicas }

func (r replicaUsers) Insert(ctx context.Context, u *user.User) error {
	return r.pick().Users().Insert(ctx, u)
}

func (r replicaUsers) ByID(ctx context.Context, id user.ID) (*user.User, error) {
	return r.pick().Users().ByID(ctx, id)
}

func (r replicaUsers) ByEmail(ctx context.Context, email string) (*user.User, error) {
	return r.pick().Users().ByEmail(ctx, email)
}

func (r replicaUsers) Update(ctx context.Context, id user.ID, change func(*user.User) error) (*user.User, error) {
	return r.pick().Users().Update(ctx, id, change)
}

type replicaSessions struct{ *replicas }

func (r replicaSessions) Create(ctx context.Context, s *credential.Session) error {
	return r.pick().Sessions().Create(ctx, s)
}

func (r replicaSessions) ByID(ctx context.Context, id string) (*credential.Session, error) {
	return r.pick().Sessions().ByID(ctx, id)
}

func (r replicaSessions) ByUser(ctx context.Context, userID string, now time.Time) ([]*credential.Session, error) {
	return r.pick().Sessions().ByUser(ctx, userID, now)
}

func (r replicaSessions) Open(ctx context.Context, s *credential.Session, record func(*user.User) error) (*user.User, error) {
	return r.pick().Sessions().Open(ctx, s, record)
}

func (r replicaSessions) Update(ctx context.Context, id string, change func(*credential.Session) error) (*credential.Session, error) {
	return r.pick().Sessions().Update(ctx, id, change)
}

type replicaAttempts struct{ *replicas }

func (r replicaAttempts) Update(ctx context.Context, key string, change func(*throttle.Attempts) error) (*throttle.Attempts, error) {
	return r.pick().Attempts().Update(ctx, key, change)
}

type replicaOutbox struct{ *replicas }

func (r replicaOutbox) Enqueue(ctx context.Context, n user.Notice) error {
	return r.pick().Outbox().Enqueue(ctx, n)
}

func (r replicaOutbox) Claim(ctx context.Context, now time.Time, lease time.Duration) (*mail.Message, error) {
	return r.pick().Outbox().Claim(ctx, now, lease)
}

func (r replicaOutbox) Sent(ctx context.Context, id string) error {
	return r.pick().Outbox().Sent(ctx, id)
}

func (r replicaOutbox) Retry(ctx context.Context, id string, at time.Time, reason string) error {
	return r.pick().Outbox().Retry(ctx, id, at, reason)
}

func (r replicaOutbox) Backlog(ctx context.Context) (mail.Backlog, error) {
	return r.pick().Outbox().Backlog(ctx)
}

type replicaTimeline struct{ *replicas }

func (r replicaTimeline) Append(ctx context.Context, e audit.Event) (audit.Event, error) {
	return r.pick().Timeline().Append(ctx, e)
}

func (r replicaTimeline) Page(ctx context.Context, userID string, before int64, limit int) ([]audit.Event, error) {
	return r.pick().Timeline().Page(ctx, userID, before, limit)
}

func (r replicaTimeline) Chain(ctx context.Context, userID string) (audit.Checkpoint, []audit.Event, error) {
	return r.pick().Timeline().Chain(ctx, userID)
}

func (r replicaTimeline) Users(ctx context.Context, fn func(string) error) error {
	return r.pick().Timeline().Users(ctx, fn)
}

func (r replicaTimeline) Prune(ctx context.Context, cutoff time.Time) (int, error) {
	return r.pick().Timeline().Prune(ctx, cutoff)
}
