package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

var _ credential.SessionStore = (*Sessions)(nil)

// Sessions is a credential.SessionStore: one document per session in the sessions bucket, by id,
// and an entry per session in the sessions_by_user bucket, written and deleted in the transaction
// that writes or deletes the session, through which ByUser finds a user's sessions.
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
		return insertSession(tx, id, sess.UserID, raw)
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

// ByUser implements credential.SessionStore: it walks the user's entries in sessions_by_user and
// reads each session they name, in one read transaction.
func (s *Sessions) ByUser(ctx context.Context, userID string, now time.Time) ([]*credential.Session, error) {
	var out []*credential.Session
	err := read(ctx, s.bolt, "sessions by user "+userID, func(tx *bolt.Tx) error {
		out = nil
		sessions := tx.Bucket(bucketSessions)
		prefix := sessionKey(userID, nil)
		c := tx.Bucket(bucketSessionsByUser).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			id := k[len(prefix):]
			doc, err := getSession(sessions, id)
			if errors.Is(err, credential.ErrSessionNotFound) {
				// Both buckets change in one transaction, so an entry without its session is damage.
				return fmt.Errorf("session index points at missing session %q", id)
			}
			if err != nil {
				return err
			}
			if doc.UserID != userID {
				return fmt.Errorf("session index lists session %q under user %q, but it is %q's", id, userID, doc.UserID)
			}
			if now.Before(doc.ExpiresAt) {
				out = append(out, doc.session())
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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
		if tx.Bucket(bucketSessions).Get(id) != nil {
			return errors.New("a session with this id already exists")
		}
		var refusal error
		u, err := updateUser(tx, user.ID(sess.UserID), record, func(err error) { refusal = err })
		if err != nil || refusal != nil {
			refuse(refusal)
			return err
		}
		out = u
		return insertSession(tx, id, sess.UserID, raw)
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
		// The change's events go on the user's timeline in this transaction.
		if err := ownEvents(sess.UserID, sess.Events); err != nil {
			return err
		}
		if err := record(tx, sess.Events); err != nil {
			return err
		}
		sess.Events = nil
		if sess.UserID != doc.UserID {
			// Rewritten only when it moves: an index page untouched is one the commit needn't write.
			if err := unindexSession(tx, doc.UserID, key); err != nil {
				return err
			}
			if err := indexSession(tx, sess.UserID, key); err != nil {
				return err
			}
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

// insertSession stores raw, the document of a new session with id of userID, and its index entry.
func insertSession(tx *bolt.Tx, id []byte, userID string, raw []byte) error {
	b := tx.Bucket(bucketSessions)
	// Overwriting could bring a revoked session back to life; ids are generated, so this is a bug upstream.
	if b.Get(id) != nil {
		return errors.New("a session with this id already exists")
	}
	if err := indexSession(tx, userID, id); err != nil {
		return err
	}
	return putSession(b, id, raw)
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

// sessionKey is the sessions_by_user key of session id of userID: the user id, a NUL byte and the
// session id, so that a user's sessions are one run of keys starting with the user id and NUL
// (all of them for a nil id). User ids are generated and never hold a NUL; indexSession refuses
// one that does, which would make the run ambiguous.
func sessionKey(userID string, id []byte) []byte {
	k := make([]byte, 0, len(userID)+1+len(id))
	k = append(k, userID...)
	k = append(k, 0)
	return append(k, id...)
}

func indexSession(tx *bolt.Tx, userID string, id []byte) error {
	if strings.IndexByte(userID, 0) >= 0 {
		return fmt.Errorf("session %q: user id %q holds a NUL byte", id, userID)
	}
	if err := tx.Bucket(bucketSessionsByUser).Put(sessionKey(userID, id), []byte{}); err != nil {
		return fmt.Errorf("index session: %w", err)
	}
	return nil
}

func unindexSession(tx *bolt.Tx, userID string, id []byte) error {
	if err := tx.Bucket(bucketSessionsByUser).Delete(sessionKey(userID, id)); err != nil {
		return fmt.Errorf("unindex session: %w", err)
	}
	return nil
}

// createSessionIndex creates the sessions_by_user bucket when it is missing, as in a file written
// before it existed, and indexes every stored session into it, in the transaction that creates it:
// the bucket exists only ever complete.
func createSessionIndex(tx *bolt.Tx) error {
	if tx.Bucket(bucketSessionsByUser) != nil {
		return nil
	}
	if _, err := tx.CreateBucket(bucketSessionsByUser); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketSessionsByUser, err)
	}
	return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
		doc, err := decodeSession(k, v)
		if err != nil {
			return err
		}
		return indexSession(tx, doc.UserID, k)
	})
}
