// Package boltstore keeps users, sessions, throttling counters, the mail outbox and the security
// timelines in one embedded bbolt file, for a single-node deployment that needs no database server.
package boltstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/authd/authd/core/storage"
)

// lockTimeout bounds how long Open waits for another process to release the file lock;
// without it bbolt would wait forever and start-up would hang silently.
const lockTimeout = 2 * time.Second

var (
	bucketUsers    = []byte("users")
	bucketEmails   = []byte("emails")
	bucketSessions = []byte("sessions")
	// bucketSessionsByUser indexes sessions by user (see sessionKey); its values are empty.
	bucketSessionsByUser = []byte("sessions_by_user")
	bucketAttempts       = []byte("attempts")
	bucketMail           = []byte("mail")
)

// DB is an open bbolt file holding every bucket the stores need.
type DB struct {
	bolt     *file
	attempts *Attempts
}

// Open opens the database file at path, creating it and its directory when missing.
func Open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: create directory for %s: %w", path, err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, MmapFlags: mmapFlags})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore: open %s: the file is locked by another process or handle (gave up after %s): %w",
			path, lockTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{
			bucketUsers, bucketEmails, bucketSessions, bucketAttempts, bucketMail,
			bucketEvents, bucketEventIDs, bucketEventsByTime, bucketCheckpoints, bucketDeletedUsers,
		} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		if err := indexMail(tx); err != nil {
			return err
		}
		return createSessionIndex(tx)
	})
	if err != nil {
		_ = b.Close() // the set-up error is the one worth reporting
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	f := &file{db: b}
	return &DB{bolt: f, attempts: newAttempts(f)}, nil
}

// Close waits for running transactions and releases the file.
func (db *DB) Close() error {
	if err := db.bolt.db.Close(); err != nil {
		return fmt.Errorf("boltstore: close: %w", err)
	}
	return nil
}

// Ping reports whether the file is still open and readable.
func (db *DB) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := db.bolt.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketUsers) == nil {
			return errors.New("users bucket is missing")
		}
		return nil
	})
	return fail("ping", err)
}

// Users returns the user store backed by db.
func (db *DB) Users() *Users { return &Users{bolt: db.bolt} }

// Sessions returns the session store backed by db.
func (db *DB) Sessions() *Sessions { return &Sessions{bolt: db.bolt} }

// Attempts returns the throttling counters backed by db.
func (db *DB) Attempts() *Attempts { return db.attempts }

// Outbox returns the mail outbox backed by db, into which Users and Sessions move notices.
func (db *DB) Outbox() *Outbox { return &Outbox{bolt: db.bolt} }

// Timeline returns the security timelines backed by db, to which Users and Sessions append the
// events of the users they write.
func (db *DB) Timeline() *Timeline { return &Timeline{bolt: db.bolt} }

// write runs fn in a read-write transaction shared with concurrent writes (see groupCommit). fn
// may run several times, so it must derive everything from tx and leave no trace outside it but
// results it overwrites on every run.
func write(ctx context.Context, f *file, op string, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fail(op, f.do(fn))
}

// update runs fn in a write transaction like write. fn calls refuse, and writes nothing, for an
// outcome of the use case (a change's own error, a missing document): update returns that error as
// is, and unlike an error fn returns it does not roll back the other writes sharing the transaction.
func update(ctx context.Context, f *file, op string, fn func(tx *bolt.Tx, refuse func(error)) error) error {
	var refusal error
	err := write(ctx, f, op, func(tx *bolt.Tx) error {
		refusal = nil // fn may run more than once; the last run is the one that committed
		return fn(tx, func(err error) { refusal = err })
	})
	if err != nil {
		return err
	}
	return refusal
}

// read runs fn in a read-only transaction; anything fn keeps must be copied out of bolt's memory.
func read(ctx context.Context, f *file, op string, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fail(op, f.db.View(fn))
}

// fail names the operation in err; a closed database is also storage.ErrUnavailable, since the caller
// can do nothing but try again later (typically against a restarted process).
func fail(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		return fmt.Errorf("boltstore: %s: %w: %w", op, storage.ErrUnavailable, err)
	default:
		return fmt.Errorf("boltstore: %s: %w", op, err)
	}
}
