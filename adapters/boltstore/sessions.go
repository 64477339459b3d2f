package boltstore

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

var _ credential.SessionStore = (*Sessions)(nil)

// Sessions is a credential.SessionStore: one document per session in the sessions bucket, by id.
type Sessions struct {
	bolt *file
}

// Create implements credential.SessionStore.
func (s *Sessions) Create(ctx context.Context, sess *credential.Session) error {
	id := []byte(sess.ID)
	raw, err := encode("session", sess.ID, newSessionDoc(sess))
	if err != nil {
		return fmt.Errorf("boltstore: create session: %w", err)
	}
	return write(ctx, s.bolt, "create session "+sess.ID, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		// Overwriting could bring a revoked session back to life; ids are generated, so this is a bug upstream.
		if b.Get(id) != nil {
			return errors.New("a session with this id already exists")
		}
		return putSession(b, id, raw)
	})
}

// ByID implements credential.SessionStore.
func (s *Sessions) ByID(ctx context.Context, id string) (*credential.Session, error) {
	var doc sessionDoc
	err := read(ctx, s.bolt, "session by id "+id, func(tx *bolt.Tx) error {
		var err error
		doc, err = getSession(tx.Bucket(bucketSessions), []byte(id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return doc.session(), nil
}

// Open implements credential.SessionStore: the user's change and the new session are one transaction.
func (s *Sessions) Open(ctx context.Context, sess *credential.Session, record func(*user.User) error) (*user.User, error) {
	id := []byte(sess.ID)
	raw, err := encode("session", sess.ID, newSessionDoc(sess))
	if err != nil {
		return nil, fmt.Errorf("boltstore: open session: %w", err)
	}
	var out *user.User
	err = update(ctx, s.bolt, "open session "+sess.ID, func(tx *bolt.Tx, refuse func(error)) error {
		b := tx.Bucket(bucketSessions)
		if b.Get(id) != nil {
			return errors.New("a session with this id already exists")
		}
		var refusal error
		u, err := updateUser(tx, user.ID(sess.UserID), record, func(err error) { refusal = err })
		if err != nil || refusal != nil {
			refuse(refusal)
			return err
		}
		out = u
		return putSession(b, id, raw)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update implements credential.SessionStore, in one write transaction.
func (s *Sessions) Update(ctx context.Context, id string, change func(*credential.Session) error) (*credential.Session, error) {
	key := []byte(id)
	var out *credential.Session
	err := update(ctx, s.bolt, "update session "+id, func(tx *bolt.Tx, refuse func(error)) error {
		b := tx.Bucket(bucketSessions)
		doc, err := getSession(b, key)
		if errors.Is(err, credential.ErrSessionNotFound) {
			refuse(err)
			return nil
		}
		if err != nil {
			return err
		}
		sess := doc.session()
		if err := change(sess); err != nil {
			refuse(err)
			return nil
		}
		if sess.ID != id {
			return fmt.Errorf("a change may not alter the session's id (%s → %s)", id, sess.ID)
		}
		raw, err := encode("session", id, newSessionDoc(sess))
		if err != nil {
			return err
		}
		out = sess
		return putSession(b, key, raw)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func getSession(b *bolt.Bucket, id []byte) (sessionDoc, error) {
	raw := b.Get(id)
	if raw == nil {
		return sessionDoc{}, credential.ErrSessionNotFound
	}
	return decodeSession(id, raw)
}

func putSession(b *bolt.Bucket, id, raw []byte) error {
	if err := b.Put(id, raw); err != nil {
		return fmt.Errorf("put document: %w", err)
	}
	return nil
}
