// Package mongostore keeps users, sessions, throttling counters, the mail outbox and the security
// timelines in MongoDB, or anything that speaks its wire protocol.
//
// Every request-path query is a point lookup or a write by _id, but for a user's session list,
// which reads an index on user_id (see Sessions), a user's timeline, read and appended to
// through an index on user_id and seq (see Timeline; the outbox's couriers and sweep query indexes
// of their own, see Outbox), and an operator's account list and erasures (see Users.List and
// Users.Erase). Every conditional write is one single-document operation whose
// filter states its condition (the _id and a version, a refresh id, "not revoked", an email key's
// user and nonce, a checkpoint behind the one to set), or an insert whose duplicate-key error
// means "taken": by _id, or, for events, by the one unique secondary index, which is prefixed by
// the events' shard key. That is all MongoDB guarantees without transactions, on a replica set or
// a sharded cluster alike, and all this package relies on: no transactions, no unique index a
// sharded cluster would not enforce, no lock documents that a crashed writer could leave held, and
// no time written by one replica that another compares, but for the outbox's due and lease times,
// which the mail.Outbox port states on the couriers' clocks (see Outbox), and the events' times,
// which Prune compares with its cutoff.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DefaultServerSelectionTimeout bounds how long an operation waits for a usable server when
// Config.ServerSelectionTimeout is zero.
const DefaultServerSelectionTimeout = 5 * time.Second

// Config says where the store lives.
type Config struct {
	// URI is a MongoDB connection string, such as "mongodb://localhost:27017/".
	URI string
	// Database names the database holding the users, emails, sessions, attempts, mail, events and
	// checkpoints collections.
	Database string
	// ServerSelectionTimeout bounds the wait for a reachable server, and so how long a request
	// hangs while the database is down; zero means DefaultServerSelectionTimeout.
	ServerSelectionTimeout time.Duration
	// RetryBudget bounds how long a write keeps trying again after losing to other writers of the
	// same document before it answers storage.ErrUnavailable; zero means DefaultRetryBudget.
	RetryBudget time.Duration
	// AttemptRetention is how long a throttling counter is kept after its latest event (see
	// throttle.Config.Retention); zero means DefaultAttemptRetention.
	AttemptRetention time.Duration
	// NoticeSweep is how often the outbox's Claim looks for notices and events a crashed writer
	// left in user documents (see Outbox); zero means DefaultNoticeSweep.
	NoticeSweep time.Duration
}

// Store is a connection to one database, handing out its stores.
type Store struct {
	client   *mongo.Client
	users    *Users
	sessions *Sessions
	attempts *Attempts
	outbox   *Outbox
	timeline *Timeline
}

// Connect connects to cfg.URI, checks the server answers within the server selection timeout and
// creates the indexes the store wants. An unreachable server is reported as storage.ErrUnavailable.
func Connect(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URI == "" || cfg.Database == "" {
		return nil, errors.New("mongostore: connect: URI and Database are required")
	}
	timeout := cfg.ServerSelectionTimeout
	if timeout == 0 {
		timeout = DefaultServerSelectionTimeout
	}
	client, err := mongo.Connect(options.Client().ApplyURI(cfg.URI).SetServerSelectionTimeout(timeout))
	if err != nil {
		return nil, fmt.Errorf("mongostore: connect: %w", err)
	}
	s := &Store{client: client}
	db := client.Database(cfg.Database)
	r := newRetry(cfg.RetryBudget)
	sweep := cfg.NoticeSweep
	if sweep <= 0 {
		sweep = DefaultNoticeSweep
	}
	s.timeline = &Timeline{events: db.Collection("events"), checkpoints: db.Collection("checkpoints"), users: db.Collection("users"), retry: r}
	s.outbox = &Outbox{mail: db.Collection("mail"), users: db.Collection("users"), timeline: s.timeline, sweepEvery: sweep}
	s.users = &Users{
		users: db.Collection("users"), emails: db.Collection("emails"), sessions: db.Collection("sessions"), mail: db.Collection("mail"),
		outbox: s.outbox, timeline: s.timeline, retry: r,
	}
	s.sessions = &Sessions{sessions: db.Collection("sessions"), users: s.users, retry: r}
	retention := cfg.AttemptRetention
	if retention <= 0 {
		retention = DefaultAttemptRetention
	}
	s.attempts = &Attempts{attempts: db.Collection("attempts"), retry: r, retention: retention}

	pingCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := s.Ping(pingCtx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	for _, create := range []func(context.Context) error{
		s.users.createIndexes, s.sessions.createIndexes, s.attempts.createIndexes, s.outbox.createIndexes, s.timeline.createIndexes,
	} {
		if err := create(ctx); err != nil {
			_ = client.Disconnect(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	return s, nil
}

// Ping checks the server answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return fail("ping", err)
	}
	return nil
}

// Close waits for in-flight operations, up to ctx, and closes every connection.
func (s *Store) Close(ctx context.Context) error {
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("mongostore: close: %w", err)
	}
	return nil
}

// Users returns the user.Store backed by this database, which is also its user.Lister and user.Eraser.
func (s *Store) Users() *Users { return s.users }

// Sessions returns the credential.SessionStore backed by this database.
func (s *Store) Sessions() *Sessions { return s.sessions }

// Attempts returns the throttle.Store backed by this database.
func (s *Store) Attempts() *Attempts { return s.attempts }

// Outbox returns the mail.Outbox backed by this database, into which Users and Sessions move notices.
func (s *Store) Outbox() *Outbox { return s.outbox }

// Timeline returns the audit.Store backed by this database, onto which Users and Sessions move
// the events of the users they write.
func (s *Store) Timeline() *Timeline { return s.timeline }

// byID is the filter every request-path query starts from.
func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// versioned is the filter of a compare-and-swap: the document id at the version that was read.
// Version 0 also matches a document written before it carried a version.
func versioned(id string, version int64) bson.D {
	if version == 0 {
		return bson.D{{Key: "_id", Value: id}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "version", Value: int64(0)}},
			bson.D{{Key: "version", Value: bson.D{{Key: "$exists", Value: false}}}},
		}}}
	}
	return bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version}}
}
