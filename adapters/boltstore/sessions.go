package boltstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/credential"
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

// Rotate implements credential.SessionStore.
func (s *Sessions) Rotate(ctx context.Context, id, from, to string, expiresAt time.Time) error {
	key := []byte(id)
	return write(ctx, s.bolt, "rotate session "+id, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		doc, err := getSession(b, key)
		if err != nil {
			return err
		}
		if doc.RevokedAt != nil || doc.RefreshID != from {
			return credential.ErrStaleRefresh
		}
		doc.RefreshID, doc.ExpiresAt = to, expiresAt.UTC()
		raw, err := encode("session", id, doc)
		if err != nil {
			return err
		}
		return putSession(b, key, raw)
	})
}

// Revoke implements credential.SessionStore. The first revocation time is kept, so a later logout
// can't blur when the session actually ended.
func (s *Sessions) Revoke(ctx context.Context, id string, at time.Time) error {
	key := []byte(id)
	return write(ctx, s.bolt, "revoke session "+id, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		doc, err := getSession(b, key)
		if err != nil || doc.RevokedAt != nil {
			return err
		}
		t := at.UTC()
		doc.RevokedAt = &t
		raw, err := encode("session", id, doc)
		if err != nil {
			return err
		}
		return putSession(b, key, raw)
	})
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
